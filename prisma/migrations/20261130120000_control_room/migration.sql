-- Control room: duty status, alerts, station boundaries.
CREATE TYPE "UnitStatus" AS ENUM ('AVAILABLE', 'EN_ROUTE', 'ON_SCENE', 'BUSY');
CREATE TYPE "AlertKind" AS ENUM ('SOS', 'OVERSPEED', 'LEFT_JURISDICTION', 'SILENT');
CREATE TYPE "AlertState" AS ENUM ('OPEN', 'ACKNOWLEDGED', 'RESOLVED');

ALTER TABLE "stations" ADD COLUMN "boundary" JSONB;
ALTER TABLE "patrols" ADD COLUMN "dutyStatus" "UnitStatus" NOT NULL DEFAULT 'AVAILABLE';

CREATE TABLE "patrol_status_changes" (
    "id" BIGSERIAL NOT NULL,
    "patrolId" INTEGER NOT NULL,
    "status" "UnitStatus" NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userId" INTEGER,
    CONSTRAINT "patrol_status_changes_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "patrol_status_changes_patrolId_at_idx" ON "patrol_status_changes"("patrolId", "at");
ALTER TABLE "patrol_status_changes" ADD CONSTRAINT "patrol_status_changes_patrolId_fkey"
  FOREIGN KEY ("patrolId") REFERENCES "patrols"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "alerts" (
    "id" SERIAL NOT NULL,
    "kind" "AlertKind" NOT NULL,
    "state" "AlertState" NOT NULL DEFAULT 'OPEN',
    "patrolId" INTEGER NOT NULL,
    "vehicleId" INTEGER NOT NULL,
    "callSign" TEXT NOT NULL,
    "stationId" INTEGER NOT NULL,
    "divisionId" INTEGER NOT NULL,
    "zoneId" INTEGER NOT NULL,
    "districtId" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lat" DOUBLE PRECISION,
    "lon" DOUBLE PRECISION,
    "detail" JSONB,
    "ackAt" TIMESTAMPTZ(3),
    "ackBy" TEXT,
    "resolvedAt" TIMESTAMPTZ(3),
    "resolvedBy" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alerts_state_at_idx" ON "alerts"("state", "at");
CREATE INDEX "alerts_patrolId_idx" ON "alerts"("patrolId");
CREATE INDEX "alerts_at_idx" ON "alerts"("at");
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_patrolId_fkey"
  FOREIGN KEY ("patrolId") REFERENCES "patrols"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- Raised at most once until resolved: a second raise of the same kind for the same patrol conflicts here.
CREATE UNIQUE INDEX "alerts_one_unresolved_per_kind" ON "alerts"("patrolId", "kind") WHERE "state" <> 'RESOLVED';
