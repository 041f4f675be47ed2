import { z } from "zod";
import { AppError } from "../errors";
import { MAX_ROW_ID } from "../row-id";

/** Points more than this far in the future are refused (device clock wrong): 5 minutes. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Largest batch accepted by `POST /api/telemetry/batch`: 500 points. */
export const MAX_BATCH_POINTS = 500;

const finite = z.number().refine(Number.isFinite, "must be a finite number");

/** One telemetry point as a device sends it (docs/ARCHITECTURE.md §9). Unknown fields are refused so typos surface. */
export const telemetryPointSchema = z.strictObject({
  patrolId: z.number().int().positive().max(MAX_ROW_ID).describe("The vehicle's active patrol (from POST /api/patrols/start)."),
  lat: finite.min(-90, "must be between -90 and 90").max(90, "must be between -90 and 90").describe("Degrees (WGS 84)."),
  lon: finite.min(-180, "must be between -180 and 180").max(180, "must be between -180 and 180").describe("Degrees (WGS 84)."),
  ts: z
    .number()
    .int("must be epoch milliseconds (an integer)")
    .min(946_684_800_000, "must be epoch milliseconds after 2000-01-01")
    .optional()
    .describe("When the fix was taken, epoch ms; at most 5 minutes ahead of the server. Default: arrival time."),
  speed: finite.min(0, "must be ≥ 0 (m/s)").max(150, "must be ≤ 150 m/s").optional().describe("m/s."),
  heading: finite.min(0, "must be in [0, 360)").lt(360, "must be in [0, 360)").optional().describe("Degrees clockwise from north, [0, 360)."),
  accuracy: finite.min(0, "must be ≥ 0 (metres)").optional().describe("Horizontal accuracy in metres."),
});

export type TelemetryPoint = z.infer<typeof telemetryPointSchema>;

/** Body of `POST /api/telemetry/batch`: up to 500 points of one patrol. */
export const telemetryBatchSchema = z.strictObject({
  points: z
    .array(telemetryPointSchema)
    .min(1, "must contain at least one point")
    .max(MAX_BATCH_POINTS, `must contain at most ${MAX_BATCH_POINTS} points; split the upload`),
});

/** Validates a batch body: every point valid and of one patrol; 400 names the first offending index. */
export function checkSinglePatrol(points: TelemetryPoint[]): void {
  const patrolId = points[0]?.patrolId;
  const other = points.findIndex((p) => p.patrolId !== patrolId);
  if (other !== -1) {
    throw new AppError(
      "VALIDATION_FAILED",
      `Invalid request: points.${other}.patrolId is ${points[other]!.patrolId} but points.0 is for patrol ${patrolId}; a batch carries one patrol.`,
    );
  }
}
