import { z } from "zod";
import { AppError } from "../errors";
import { MAX_CLOCK_SKEW_MS } from "../telemetry/schema";

/**
 * The OsmAnd protocol as Traccar's server accepts it (DESIGN §11), in its two shapes:
 *
 * - fields in the query string or an `application/x-www-form-urlencoded` body, as OsmAnd's online tracking, Traccar
 *   Client up to 8 and most GPS units send them: `?id=…&lat=…&lon=…&timestamp=…&speed=…` (speed in **knots**);
 * - the JSON body Traccar Client 9+ posts (the transistorsoft background-geolocation location object, speed in
 *   **m/s**, battery level as a fraction 0–1).
 *
 * Both are described by zod schemas (which `GET /api/openapi.json` documents, so the document cannot drift from what
 * is validated) and turned into `OsmandPoint`s in Sentinel's units by `parseOsmandFields` / `parseOsmandJson`.
 * Fields Traccar knows and Sentinel does not use (`hdop`, `valid`, `cell`, `wifi`, `is_moving`, `odometer`, …) are
 * accepted and ignored, as Traccar keeps them as attributes; a field Sentinel uses must be valid, or 400 names it.
 */

/** Knots → m/s. */
export const KNOTS_TO_MS = 1852 / 3600;
/** Points one request may carry (a JSON `location` array, e.g. a phone syncing its buffer): as `POST /api/telemetry/batch`. */
export const MAX_OSMAND_POINTS = 500;
/** Longest device id accepted in a request (ours are 39 characters; anything longer is not one of ours). */
export const MAX_DEVICE_ID_LENGTH = 128;

/** One position from a device, in Sentinel's units (speed m/s, battery %); `ts` absent = arrival time. */
export interface OsmandPoint {
  lat: number;
  lon: number;
  ts?: number;
  speed?: number;
  heading?: number;
  accuracy?: number;
  altitude?: number;
  battery?: number;
}

/** A decoded request: whose device, its points (oldest first), and whether it carries an SOS alarm. */
export interface OsmandRequest {
  deviceId: string;
  points: OsmandPoint[];
  sos: boolean;
}

const decimal = z.string().regex(/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/, "must be a number");

/** Query-string / form fields (every value a string, as on the wire). */
export const osmandFieldsSchema = z
  .looseObject({
    id: z.string().min(1).max(MAX_DEVICE_ID_LENGTH).optional().describe("Device id issued by Sentinel (`deviceid` is accepted too)."),
    deviceid: z.string().min(1).max(MAX_DEVICE_ID_LENGTH).optional().describe("Same as `id`."),
    lat: decimal.optional().describe("Latitude in degrees, -90…90 (or send `location`)."),
    lon: decimal.optional().describe("Longitude in degrees, -180…180 (or send `location`)."),
    location: z
      .string()
      .regex(/^\s*[^,]+,[^,]+\s*$/, "must be lat,lon")
      .optional()
      .describe("`lat,lon` in one field, instead of `lat` and `lon`."),
    timestamp: z
      .string()
      .min(1)
      .optional()
      .describe("Unix seconds or milliseconds, ISO 8601, or `yyyy-MM-dd HH:mm:ss` (UTC). Default: arrival time."),
    speed: decimal.optional().describe("Speed in knots."),
    bearing: decimal.optional().describe("Heading in degrees, 0…360 (`heading` is accepted too)."),
    heading: decimal.optional().describe("Same as `bearing`."),
    altitude: decimal.optional().describe("Metres above sea level."),
    accuracy: decimal.optional().describe("Horizontal accuracy in metres."),
    batt: decimal.optional().describe("Battery level in percent, 0…100."),
    alarm: z.string().max(64).optional().describe("`sos` raises an SOS alert for the unit's patrol; other alarms are accepted and ignored."),
  })
  .describe("OsmAnd fields, in the query string or a form body.");

const jsonNumber = z.number().refine(Number.isFinite, "must be a finite number");

/** One location of the Traccar Client 9+ JSON body. */
export const osmandJsonLocationSchema = z.looseObject({
  timestamp: z.string().min(1).describe("ISO 8601 time of the fix."),
  coords: z.looseObject({
    latitude: jsonNumber.describe("Degrees, -90…90."),
    longitude: jsonNumber.describe("Degrees, -180…180."),
    speed: jsonNumber.optional().describe("m/s; negative means unknown."),
    heading: jsonNumber.optional().describe("Degrees, 0…360; negative means unknown."),
    accuracy: jsonNumber.optional().describe("Metres."),
    altitude: jsonNumber.optional().describe("Metres."),
  }),
  battery: z
    .looseObject({
      level: jsonNumber.optional().describe("Fraction 0…1; negative means unknown."),
      is_charging: z.boolean().optional(),
    })
    .optional(),
  event: z.string().max(64).optional().describe("`sos` raises an SOS alert."),
  alarm: z.string().max(64).optional().describe("`sos` raises an SOS alert."),
});

/** The JSON body Traccar Client 9+ posts (`Content-Type: application/json`): one location, or an array of them. */
export const osmandJsonSchema = z
  .looseObject({
    device_id: z.string().min(1).max(MAX_DEVICE_ID_LENGTH).describe("Device id issued by Sentinel."),
    location: z.union([osmandJsonLocationSchema, z.array(osmandJsonLocationSchema).min(1).max(MAX_OSMAND_POINTS)]),
    alarm: z.string().max(64).optional().describe("`sos` raises an SOS alert."),
  })
  .describe("Traccar Client 9+ JSON body.");

const invalid = (field: string, problem: string) => new AppError("VALIDATION_FAILED", `Invalid request: ${field} ${problem}.`);

function inRange(field: string, value: number, min: number, max: number, unit = ""): number {
  if (!Number.isFinite(value) || value < min || value > max) throw invalid(field, `must be between ${min} and ${max}${unit}`);
  return value;
}

/** 1 Jan 2000: earlier timestamps are a device without a clock fix (or seconds read as ms), as `POST /api/telemetry` refuses. */
const EARLIEST_TS = 946_684_800_000;

/**
 * Reads a timestamp as Traccar does: digits are unix seconds (below 2^31) or milliseconds; otherwise ISO 8601, or
 * `yyyy-MM-dd HH:mm:ss` (UTC, as OsmAnd-speaking units send it). Decimal seconds are accepted.
 */
export function parseOsmandTimestamp(text: string, field = "timestamp", now = Date.now()): number {
  const value = text.trim();
  let ts: number;
  if (/^\d+(?:\.\d+)?$/.test(value)) {
    const n = Number(value);
    ts = Math.round(n < 2 ** 31 ? n * 1000 : n);
  } else {
    const plain = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(value);
    // A date and time without a zone is UTC (Date.parse would read it as local time).
    ts = plain ? Date.parse(`${value.replace(" ", "T")}Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  }
  if (!Number.isFinite(ts)) {
    throw invalid(field, "must be unix seconds or milliseconds, ISO 8601, or yyyy-MM-dd HH:mm:ss (UTC)");
  }
  if (ts < EARLIEST_TS) throw invalid(field, "must be after 2000-01-01; check the device's clock");
  if (ts > now + MAX_CLOCK_SKEW_MS) {
    const when = ts <= 8.64e15 ? ` (${new Date(ts).toISOString()})` : "";
    throw invalid(field, `is in the future${when}; check the device's clock`);
  }
  return ts;
}

function zodProblem(error: z.ZodError): AppError {
  const issue = error.issues[0]!;
  const field = issue.path.length ? issue.path.join(".") : "body";
  return invalid(field, issue.message.replace(/^Invalid input: /, "").replace(/^expected/, "must be"));
}

/** A heading in degrees, 360 read as 0 (some units send 360 for due north). */
function degrees(field: string, value: number): number {
  return inRange(field, value, 0, 360) % 360;
}

/** Decodes query-string or form fields; 400 (VALIDATION_FAILED) names the first bad or missing field. */
export function parseOsmandFields(fields: Record<string, string>, now = Date.now()): OsmandRequest {
  const parsed = osmandFieldsSchema.safeParse(fields);
  if (!parsed.success) throw zodProblem(parsed.error);
  const f = parsed.data;
  const deviceId = f.id ?? f.deviceid;
  if (!deviceId) throw invalid("id", "is missing: send the device id Sentinel issued as id (or deviceid)");
  let lat: number;
  let lon: number;
  if (f.lat !== undefined || f.lon !== undefined) {
    if (f.lat === undefined) throw invalid("lat", "is missing (lon was sent)");
    if (f.lon === undefined) throw invalid("lon", "is missing (lat was sent)");
    lat = Number(f.lat);
    lon = Number(f.lon);
  } else if (f.location !== undefined) {
    const [a, b] = f.location.split(",").map((part) => part.trim());
    if (!decimal.safeParse(a).success || !decimal.safeParse(b).success) throw invalid("location", "must be lat,lon (two numbers)");
    lat = Number(a);
    lon = Number(b);
  } else {
    throw invalid("lat", "is missing: send lat and lon, or location=lat,lon");
  }
  const point: OsmandPoint = { lat: inRange("lat", lat, -90, 90), lon: inRange("lon", lon, -180, 180) };
  if (f.timestamp !== undefined) point.ts = parseOsmandTimestamp(f.timestamp, "timestamp", now);
  if (f.speed !== undefined) point.speed = inRange("speed", Number(f.speed), 0, 291, " knots") * KNOTS_TO_MS;
  const heading = f.bearing ?? f.heading;
  if (heading !== undefined) point.heading = degrees(f.bearing !== undefined ? "bearing" : "heading", Number(heading));
  if (f.altitude !== undefined) point.altitude = inRange("altitude", Number(f.altitude), -1000, 100_000, " metres");
  if (f.accuracy !== undefined) point.accuracy = inRange("accuracy", Number(f.accuracy), 0, 1_000_000, " metres");
  if (f.batt !== undefined) point.battery = inRange("batt", Number(f.batt), 0, 100, " (percent)");
  return { deviceId, points: [point], sos: f.alarm?.toLowerCase() === "sos" };
}

/** Decodes the Traccar Client 9+ JSON body; 400 names the first bad or missing field. */
export function parseOsmandJson(body: unknown, now = Date.now()): OsmandRequest {
  // The location's own shape decides which branch of the union it is checked against, so a 400 names the field itself.
  const location = (body as { location?: unknown } | null)?.location;
  const shaped = Array.isArray(location) ? osmandJsonSchema.extend({ location: z.array(osmandJsonLocationSchema).min(1).max(MAX_OSMAND_POINTS) }) : osmandJsonSchema.extend({ location: osmandJsonLocationSchema });
  const parsed = shaped.safeParse(body);
  if (!parsed.success) throw zodProblem(parsed.error);
  const { device_id: deviceId } = parsed.data;
  const parsedLocation = parsed.data.location as z.infer<typeof osmandJsonLocationSchema> | z.infer<typeof osmandJsonLocationSchema>[];
  const locations = Array.isArray(parsedLocation) ? parsedLocation : [parsedLocation];
  let sos = parsed.data.alarm?.toLowerCase() === "sos";
  const points = locations.map((loc, i) => {
    const at = Array.isArray(location) ? `location.${i}` : "location";
    const { coords } = loc;
    const point: OsmandPoint = {
      lat: inRange(`${at}.coords.latitude`, coords.latitude, -90, 90),
      lon: inRange(`${at}.coords.longitude`, coords.longitude, -180, 180),
      ts: parseOsmandTimestamp(loc.timestamp, `${at}.timestamp`, now),
    };
    // The transistorsoft plugin reports an unknown speed, heading or battery level as -1.
    if (coords.speed !== undefined && coords.speed >= 0) point.speed = inRange(`${at}.coords.speed`, coords.speed, 0, 150, " m/s");
    if (coords.heading !== undefined && coords.heading >= 0) point.heading = degrees(`${at}.coords.heading`, coords.heading);
    if (coords.accuracy !== undefined && coords.accuracy >= 0) point.accuracy = inRange(`${at}.coords.accuracy`, coords.accuracy, 0, 1_000_000, " metres");
    if (coords.altitude !== undefined) point.altitude = inRange(`${at}.coords.altitude`, coords.altitude, -1000, 100_000, " metres");
    const level = loc.battery?.level;
    if (level !== undefined && level >= 0) point.battery = Math.round(inRange(`${at}.battery.level`, level, 0, 1, " (a fraction)") * 100);
    if (loc.event?.toLowerCase() === "sos" || loc.alarm?.toLowerCase() === "sos") sos = true;
    return point;
  });
  return { deviceId, points: points.sort((a, b) => a.ts! - b.ts!), sos };
}
