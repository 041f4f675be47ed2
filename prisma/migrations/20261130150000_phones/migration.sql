-- Phones as units (OsmAnd / Traccar Client): a vehicle's device id is its credential, stored as its SHA-256 (hex).
ALTER TABLE "vehicles" ADD COLUMN "deviceIdHash" TEXT;
ALTER TABLE "vehicles" ADD COLUMN "deviceIdIssuedAt" TIMESTAMP(3);
CREATE UNIQUE INDEX "vehicles_deviceIdHash_key" ON "vehicles"("deviceIdHash");

-- A patrol started by a device's first point (not by the device's own start request): stopped by the idle sweeper.
ALTER TABLE "patrols" ADD COLUMN "autoStarted" BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX "patrols_autoStarted_active_idx" ON "patrols"("id") WHERE "autoStarted" AND "status" = 'ACTIVE';
