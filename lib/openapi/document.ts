import { z } from "zod";
import packageJson from "../../package.json";
import { sosSchema } from "../alerts/sos";
import { trackQuerySchema } from "../history/history-params";
import { rowIdParam } from "../http/query-params";
import { setStatusSchema } from "../patrols/set-status";
import { startPatrolSchema } from "../patrols/start-patrol";
import { osmandFieldsSchema, osmandJsonLocationSchema, osmandJsonSchema } from "../osmand/schema";
import { stopSchema } from "../patrols/stop-patrol";
import { telemetryBatchSchema, telemetryPointSchema } from "../telemetry/schema";
import { tokenRequestSchema } from "../vehicles/issue-token";
import {
  deviceIdIssuedSchema,
  ERROR_STATUSES,
  batchAcceptedSchema,
  errorSchemas,
  issueDetailSchema,
  sosRaisedSchema,
  startedPatrolSchema,
  statusChangedSchema,
  stoppedPatrolSchema,
  telemetryAcceptedSchema,
  trackGeoJsonSchema,
  trackJsonSchema,
  trackPointSchema,
  vehicleTokenSchema,
  type ErrorStatus,
} from "./responses";

/**
 * The OpenAPI 3.1 document of the vehicle API (DESIGN §5, §9 track, §10 status/SOS, §11), served by
 * `GET /api/openapi.json`. Every request schema is the zod schema its route validates with and every answer the
 * schema its code is typed by (lib/openapi/responses.ts), converted by zod's own `z.toJSONSchema`: nothing here
 * restates a field, so the document cannot drift from the code.
 */

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect) as the document carries it. */
export type JsonSchema = Record<string, unknown>;

/** An OpenAPI Media Type object. */
export interface MediaType {
  schema: JsonSchema;
  example?: unknown;
}

/** An OpenAPI Parameter object. */
export interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** An OpenAPI Response object. */
export interface ResponseObject {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, MediaType>;
}

/** An OpenAPI Reference object (a type, not an interface, so it is also a `JsonSchema`). */
export type Reference = { $ref: string };

/** An OpenAPI Security Requirement object: scheme name → scopes (none here). */
export type SecurityRequirement = Record<string, string[]>;

/** An OpenAPI Operation object. */
export interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  /** Alternatives, any one of which suffices; empty: public. */
  security: SecurityRequirement[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject | Reference>;
}

/** The HTTP methods the vehicle API uses. */
export type Method = "get" | "post";

/** The document. */
export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

/**
 * How every schema is converted: JSON Schema 2020-12 describing what a client sends (`io: "input"`: a transform's
 * input side, a field with a default optional). Refinements (`lat` and `lon` together, finite numbers) have no JSON
 * Schema form and are left to the descriptions and the 400 that names them. A type with no JSON Schema form at all
 * throws (zod's default `unrepresentable: "throw"`), so such a schema fails the unit test rather than being
 * documented as "anything".
 */
const JSON_SCHEMA_OPTIONS = { target: "draft-2020-12", io: "input" } as const;

/** The schemas of `components.schemas`, by name. */
const SCHEMAS = {
  TokenRequest: tokenRequestSchema,
  VehicleToken: vehicleTokenSchema,
  StartPatrolRequest: startPatrolSchema,
  StartedPatrol: startedPatrolSchema,
  StopPatrolRequest: stopSchema,
  StoppedPatrol: stoppedPatrolSchema,
  TelemetryPoint: telemetryPointSchema,
  TelemetryAccepted: telemetryAcceptedSchema,
  TelemetryBatch: telemetryBatchSchema,
  BatchAccepted: batchAcceptedSchema,
  StatusRequest: setStatusSchema,
  StatusChanged: statusChangedSchema,
  SosRequest: sosSchema,
  SosRaised: sosRaisedSchema,
  TrackPoint: trackPointSchema,
  Track: trackJsonSchema,
  TrackGeoJson: trackGeoJsonSchema,
  DeviceIdIssued: deviceIdIssuedSchema,
  OsmandFields: osmandFieldsSchema,
  OsmandJsonLocation: osmandJsonLocationSchema,
  OsmandJson: osmandJsonSchema,
  IssueDetail: issueDetailSchema,
  Error400: errorSchemas[400],
  Error401: errorSchemas[401],
  Error403: errorSchemas[403],
  Error404: errorSchemas[404],
  Error409: errorSchemas[409],
  Error413: errorSchemas[413],
  Error415: errorSchemas[415],
  Error429: errorSchemas[429],
  Error503: errorSchemas[503],
} satisfies Record<string, z.ZodType> & Record<`Error${ErrorStatus}`, z.ZodType>;

type SchemaName = keyof typeof SCHEMAS;

const SCHEMA_PREFIX = "#/components/schemas/";

/** A reference to a schema of `components.schemas`. */
function ref(name: SchemaName): Reference {
  return { $ref: `${SCHEMA_PREFIX}${name}` };
}

/** Drops the keywords a schema embedded in the document must not repeat: `$schema` (`jsonSchemaDialect` says it) and `$id`. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * `SCHEMAS` as JSON Schema, converted together through one registry so that a schema used inside another (a batch's
 * points, a JSON body's locations) is a `$ref` to its own component rather than a copy.
 */
function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...JSON_SCHEMA_OPTIONS, uri: (id) => `${SCHEMA_PREFIX}${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, embedded(schema as JsonSchema)]));
}

/** One schema on its own (a parameter's). */
function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return embedded(z.toJSONSchema(schema, JSON_SCHEMA_OPTIONS) as JsonSchema);
}

/** The fields of an object schema as query parameters, each with its description and whether it is required. */
function queryParameters(schema: z.ZodObject): Parameter[] {
  const json = jsonSchemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as JsonSchema & { description?: string };
    return { name, in: "query", required: json.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest };
  });
}

/** The `{id}` of a patrol path, as `idParam` reads it (anything else answers 404). */
function patrolIdParameter(): Parameter {
  return { name: "id", in: "path", required: true, description: "The patrol's id (anything else answers 404).", schema: jsonSchemaOf(rowIdParam) };
}

/** Security alternatives of an operation. */
const DEVICE: SecurityRequirement[] = [{ deviceToken: [] }];
const DEVICE_OR_SESSION: SecurityRequirement[] = [{ deviceToken: [] }, { session: [] }];
const SESSION: SecurityRequirement[] = [{ session: [] }];
const OSMAND_DEVICE: SecurityRequirement[] = [{ osmandDeviceId: [] }];
const PUBLIC: SecurityRequirement[] = [];
/** An admin's session (a commander's answers 403). */
const ADMIN_SESSION: SecurityRequirement[] = [{ session: [] }];

/** What each error status means across the vehicle API; an operation's own description says which apply to it. */
const ERROR_MEANINGS: Record<ErrorStatus, string> = {
  400: "Invalid request: malformed JSON or URL, or a missing or out-of-range field (the message, and `issues`, name each).",
  401: "No credential, or a wrong, expired or revoked one (a token issued before the vehicle was disabled or its secret rotated).",
  403: "Refused: a disabled vehicle, another vehicle's patrol, or a change sent with a session cookie from another site.",
  404: "No such patrol or station (a patrol outside a commander's jurisdiction answers alike), or an unknown or replaced OsmAnd device id.",
  409:
    "The patrol's state forbids it: already on patrol (`patrolId`), or the patrol is not active (`endedBy`, `endedAt`, `reason` when a " +
    "commander or admin ended it; for an OsmAnd unit, until `OSMAND_IDLE_STOP_MINUTES` later, or always with `OSMAND_AUTO_PATROL` off).",
  413: "The body is larger than the limit (`REQUEST_BODY_LIMIT_BYTES`, 16 KiB; a batch or an OsmAnd body `TELEMETRY_BATCH_BODY_LIMIT_BYTES`, 256 KiB).",
  415: 'The body is not of a type the operation takes: JSON ("Content-Type: application/json"), or for OsmAnd also a form.',
  429: "Too many requests (`TELEMETRY_RATE_PER_SECOND` per vehicle, default 10); retry after `Retry-After` seconds.",
  503: "PostgreSQL or Redis is unavailable or being restored; retry after `Retry-After` seconds.",
};

/** Statuses whose answers carry `Retry-After`. */
const RETRY_AFTER: ReadonlySet<ErrorStatus> = new Set([429, 503]);

/** `components.responses`: one error answer per status, each the shared `{error: {code, message}}` shape. */
function errorResponses(): Record<string, ResponseObject> {
  return Object.fromEntries(
    ERROR_STATUSES.map((status) => [
      `Error${status}`,
      {
        description: ERROR_MEANINGS[status],
        ...(RETRY_AFTER.has(status) ? { headers: { "Retry-After": { description: "Seconds to wait.", schema: { type: "integer", minimum: 1 } } } } : {}),
        content: { "application/json": { schema: ref(`Error${status}`) } },
      } satisfies ResponseObject,
    ]),
  );
}

/** The error answers an operation gives, by reference. */
function errors(...statuses: ErrorStatus[]): Record<string, Reference> {
  return Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/Error${status}` }]));
}

/** A JSON answer. */
function json(description: string, schema: SchemaName): ResponseObject {
  return { description, content: { "application/json": { schema: ref(schema) } } };
}

/** A JSON request body (`required: false`: an empty body stands for `{}`). */
function jsonBody(schema: SchemaName, example: unknown, required = true): NonNullable<Operation["requestBody"]> {
  return {
    required,
    ...(required ? {} : { description: "Optional: an absent or empty body stands for `{}`." }),
    content: { "application/json": { schema: ref(schema), example } },
  };
}

/** Statuses every operation with a body can answer whatever it does: a bad body, too large, of the wrong type, a store down. */
const BODY_ERRORS: ErrorStatus[] = [400, 413, 415, 503];

/** An OsmAnd device id, as an admin issues it (`POST /api/admin/vehicles/{id}/device-id`). */
const EXAMPLE_DEVICE_ID = "k7qm-2xv9-ab3c-defg-hjkm-npqr-stuv-wxyz";

/** The OsmAnd protocol, shared by its GET and POST. */
const OSMAND_DESCRIPTION =
  "A position from a phone or GPS unit speaking the OsmAnd protocol (Traccar Client, OsmAnd), authenticated by the " +
  "device id an admin issued to its vehicle. A vehicle without an active patrol gets one at its home station " +
  "(`OSMAND_AUTO_PATROL`, default on), stopped after `OSMAND_IDLE_STOP_MINUTES` (default 30) without a point. " +
  "`alarm=sos` (or a JSON `alarm`/`event` of `sos`) raises an SOS. 200 with an empty body when accepted (the device " +
  "then drops the point from its buffer); 404 for an unknown or replaced device id, 403 for a disabled vehicle.";

/** The answers of `/api/osmand`: an empty 200, or the shared error shape. */
function osmandResponses(...statuses: ErrorStatus[]): Operation["responses"] {
  return { "200": { description: "Accepted; the body is empty." }, ...errors(400, 403, 404, 409, 429, 503, ...statuses) };
}

function paths(): OpenApiDocument["paths"] {
  const patrolId = patrolIdParameter();
  const osmandQuery = queryParameters(osmandFieldsSchema);
  return {
    "/api/vehicles/token": {
      post: {
        operationId: "issueVehicleToken",
        summary: "Exchange a device secret for a bearer token",
        description:
          "A wrong vehicle id and a wrong secret answer alike (401), so ids cannot be probed; a disabled vehicle gets 403. " +
          "The token is valid `VEHICLE_TOKEN_TTL_SECONDS` (default 12 h) and is refused from the next request once the " +
          "vehicle is disabled or its secret rotated.",
        tags: ["Vehicle"],
        security: PUBLIC,
        requestBody: jsonBody("TokenRequest", { vehicleId: 1, secret: "sentinel-demo:KDV-01" }),
        responses: { "200": json("The token.", "VehicleToken"), ...errors(...BODY_ERRORS, 401, 403) },
      },
    },
    "/api/patrols/start": {
      post: {
        operationId: "startPatrol",
        summary: "Start a patrol",
        description:
          "The calling vehicle starts a patrol, by default for its home station. 404 for an unknown station; 409 " +
          "`ALREADY_ON_PATROL` naming the active patrol (`patrolId`, also at the top level) if it is already on one.",
        tags: ["Vehicle"],
        security: DEVICE,
        requestBody: jsonBody("StartPatrolRequest", { stationId: 5 }, false),
        responses: { "201": json("The patrol started.", "StartedPatrol"), ...errors(...BODY_ERRORS, 401, 403, 404, 409) },
      },
    },
    "/api/patrols/{id}/stop": {
      post: {
        operationId: "stopPatrol",
        summary: "Stop a patrol",
        description:
          "By the owning vehicle, a commander whose jurisdiction covers the patrol, or an admin. 403 for another " +
          "vehicle's patrol; 409 if it has already ended.",
        tags: ["Vehicle"],
        security: DEVICE_OR_SESSION,
        parameters: [patrolId],
        requestBody: jsonBody("StopPatrolRequest", { reason: "Shift handed over to KDV-02" }, false),
        responses: { "200": json("The patrol ended.", "StoppedPatrol"), ...errors(...BODY_ERRORS, 401, 403, 404, 409) },
      },
    },
    "/api/telemetry": {
      post: {
        operationId: "postTelemetry",
        summary: "Report one position",
        description:
          "One position of the calling vehicle's active patrol, shown live to every dashboard covering it and kept in " +
          "its history. 403 for another vehicle's patrol; 409 if it is not active (`PATROL_ENDED_BY_COMMANDER` with " +
          "who, when and why, when a commander or admin ended it); 429 over the per-vehicle rate.",
        tags: ["Vehicle"],
        security: DEVICE,
        requestBody: jsonBody("TelemetryPoint", { patrolId: 101, lat: 9.9712, lon: 76.2901, ts: 1764200005000, speed: 8.4, heading: 268, accuracy: 5 }),
        responses: { "202": json("Accepted.", "TelemetryAccepted"), ...errors(...BODY_ERRORS, 401, 403, 409, 429) },
      },
    },
    "/api/telemetry/batch": {
      post: {
        operationId: "postTelemetryBatch",
        summary: "Report buffered positions",
        description:
          "Up to 500 points of one patrol (e.g. after a dead zone), validated as a whole (400 names the first bad point " +
          "and nothing is kept) and published in `ts` order; the newest that fit the patrol's live budget are shown live, " +
          "all are kept in its history. Errors as for one point.",
        tags: ["Vehicle"],
        security: DEVICE,
        requestBody: jsonBody("TelemetryBatch", {
          points: [
            { patrolId: 101, lat: 9.9712, lon: 76.2901, ts: 1764200005000 },
            { patrolId: 101, lat: 9.9714, lon: 76.2899, ts: 1764200010000, speed: 8.1 },
          ],
        }),
        responses: { "202": json("Accepted.", "BatchAccepted"), ...errors(...BODY_ERRORS, 401, 403, 409, 429) },
      },
    },
    "/api/patrols/{id}/status": {
      post: {
        operationId: "setPatrolStatus",
        summary: "Set a patrol's duty status",
        description:
          "By its vehicle, or a commander or admin covering it; every dashboard covering the patrol sees the change. " +
          "409 if the patrol is not active.",
        tags: ["Vehicle"],
        security: DEVICE_OR_SESSION,
        parameters: [patrolId],
        requestBody: jsonBody("StatusRequest", { status: "EN_ROUTE" }),
        responses: { "200": json("The status changed.", "StatusChanged"), ...errors(...BODY_ERRORS, 401, 403, 404, 409) },
      },
    },
    "/api/patrols/{id}/sos": {
      post: {
        operationId: "pressSos",
        summary: "Raise an SOS (the panic button)",
        description:
          "Raises an SOS alert on the vehicle's own active patrol for every dashboard covering it. Pressed again while " +
          "that SOS is not resolved, the same alert is announced again and its id returned. 409 if the patrol is not active.",
        tags: ["Vehicle"],
        security: DEVICE,
        parameters: [patrolId],
        requestBody: jsonBody("SosRequest", { lat: 9.9712, lon: 76.2901 }, false),
        responses: { "201": json("The SOS alert.", "SosRaised"), ...errors(...BODY_ERRORS, 401, 403, 404, 409) },
      },
    },
    "/api/patrols/{id}/track": {
      get: {
        operationId: "readTrack",
        summary: "A patrol's stored positions",
        description:
          "Every stored point of the patrol between `from` and `to`, in `ts` order, as the `format` asks (the content " +
          "type follows `format`, not `Accept`); active and ended patrols alike. A file format downloads as an " +
          "attachment. Audited as `track.view` (json) or `track.export`. 404 for a patrol outside the caller's jurisdiction.",
        tags: ["History"],
        security: SESSION,
        parameters: [patrolId, ...queryParameters(trackQuerySchema)],
        responses: {
          "200": {
            description: "The track.",
            headers: {
              "Content-Disposition": { description: '`inline` for json, `attachment` otherwise, with a filename.', schema: { type: "string" } },
            },
            content: {
              "application/json": { schema: ref("Track") },
              "application/geo+json": { schema: ref("TrackGeoJson") },
              "application/gpx+xml": { schema: { type: "string", description: "GPX 1.1: one `trk`, one `trkpt` with `<time>` per point." } },
              "text/csv": { schema: { type: "string", description: "Header `ts,lat,lon,speed,heading,accuracy`, then one line per point." } },
            },
          },
          ...errors(400, 401, 404, 503),
        },
      },
    },
    "/api/admin/vehicles/{id}/device-id": {
      post: {
        operationId: "issueDeviceId",
        summary: "Set up a phone: issue a vehicle's device id (admin)",
        description:
          "Issues a new random device id (160 bits) for the vehicle, shown once, stored hashed; the vehicle's previous id " +
          "stops working (404 from its next point). Audited as `vehicle.device_id`. No body. The admin console's " +
          "Vehicles → Set up a phone calls it.",
        tags: ["OsmAnd"],
        security: ADMIN_SESSION,
        parameters: [{ name: "id", in: "path", required: true, description: "The vehicle's id (anything else answers 404).", schema: jsonSchemaOf(rowIdParam) }],
        responses: { "200": json("The new device id.", "DeviceIdIssued"), ...errors(401, 403, 404, 415, 503) },
      },
    },
    "/api/osmand": {
      get: {
        operationId: "osmandGet",
        summary: "Report a position (OsmAnd protocol, fields in the query string)",
        description: `${OSMAND_DESCRIPTION} Speed in knots.`,
        tags: ["OsmAnd"],
        security: OSMAND_DEVICE,
        parameters: osmandQuery,
        responses: osmandResponses(),
      },
      post: {
        operationId: "osmandPost",
        summary: "Report positions (OsmAnd protocol: form fields, query string, or Traccar Client 9+ JSON)",
        description:
          `${OSMAND_DESCRIPTION} The fields may come in the query string (Traccar Client up to 8 posts them so, with an ` +
          "empty body), a form body (which wins over the query string), or the JSON body Traccar Client 9+ posts: one " +
          "location or up to 500, speed in m/s and battery as a fraction there, knots and percent in fields.",
        tags: ["OsmAnd"],
        security: OSMAND_DEVICE,
        parameters: osmandQuery,
        requestBody: {
          required: false,
          description: "Optional when the fields are in the query string.",
          content: {
            "application/x-www-form-urlencoded": {
              schema: ref("OsmandFields"),
              example: { id: EXAMPLE_DEVICE_ID, lat: "9.9712", lon: "76.2901", timestamp: "1764200005", speed: "16.3", bearing: "268", batt: "87" },
            },
            "application/json": {
              schema: ref("OsmandJson"),
              example: {
                device_id: EXAMPLE_DEVICE_ID,
                location: {
                  timestamp: "2025-11-26T23:20:05.000Z",
                  coords: { latitude: 9.9712, longitude: 76.2901, speed: 8.4, heading: 268, accuracy: 5, altitude: 12 },
                  battery: { level: 0.87, is_charging: false },
                  event: "motionchange",
                },
              },
            },
          },
        },
        responses: osmandResponses(413, 415),
      },
    },
  };
}

/** Builds the document afresh (`openApiJson` keeps one per process). */
export function openApiDocument(): OpenApiDocument {
  return {
    openapi: "3.1.0",
    info: {
      title: "Sentinel vehicle API",
      version: packageJson.version,
      description:
        "What a patrol vehicle's device (or a phone running an OsmAnd-protocol tracker) calls, and a patrol's stored " +
        "track. Every error answers `{\"error\": {\"code\", \"message\"}}`: branch on the stable `code`, show the " +
        "`message` to a person. A bug answers 500 `INTERNAL` in the same shape.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/", description: "This server." }],
    tags: [
      { name: "Vehicle", description: "A vehicle's device: token, patrol, positions, status, SOS." },
      { name: "History", description: "Stored positions, for signed-in users." },
      { name: "OsmAnd", description: "Off-the-shelf trackers: phones running Traccar Client or OsmAnd, GPS units." },
    ],
    paths: paths(),
    components: {
      schemas: componentSchemas(),
      responses: errorResponses(),
      securitySchemes: {
        deviceToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A device token from `POST /api/vehicles/token`.",
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "next-auth.session-token",
          description:
            "A signed-in user's session (`__Secure-next-auth.session-token` over https), from the /login page or " +
            "`POST /api/auth/callback/credentials`. A change sent with it must declare a JSON body and come from the app's own origin.",
        },
        osmandDeviceId: {
          type: "apiKey",
          in: "query",
          name: "id",
          description:
            "The device id an admin issued to the vehicle (`POST /api/admin/vehicles/{id}/device-id`; issuing another " +
            "revokes it), as `id` (or `deviceid`) in the query string or a form body, or `device_id` in the JSON body. " +
            "Case, spaces and dashes do not matter.",
        },
      },
    },
  };
}

let cached: string | null = null;

/** The document as JSON text, built on first use and kept for the life of the process (it changes only with the code). */
export function openApiJson(): string {
  cached ??= JSON.stringify(openApiDocument());
  return cached;
}
