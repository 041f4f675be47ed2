-- CreateTable (hand-edited: Prisma cannot express partitioning)
-- Every accepted telemetry point, range-partitioned by "ts" into one partition per UTC day. The history
-- process creates partitions ahead of need and drops whole expired ones (history/partitions.ts); a row with
-- no partition for its day is refused, so nothing is written here except through that process.
-- The primary key (patrolId, ts) makes a redelivered point a no-op and serves "one patrol, time range".
CREATE TABLE "positions" (
    "patrolId" INTEGER NOT NULL,
    "vehicleId" INTEGER NOT NULL,
    "ts" TIMESTAMPTZ(3) NOT NULL,
    "lat" DOUBLE PRECISION NOT NULL,
    "lon" DOUBLE PRECISION NOT NULL,
    "speed" DOUBLE PRECISION,
    "heading" DOUBLE PRECISION,
    "accuracy" DOUBLE PRECISION,

    CONSTRAINT "positions_pkey" PRIMARY KEY ("patrolId","ts")
) PARTITION BY RANGE ("ts");
