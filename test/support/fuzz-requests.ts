import { seededRandom } from "../../lib/seed/tree";

/**
 * Malformed requests for the vehicle and admin APIs, generated from a seed
 * (same seed and index → same request, byte for byte). Every request is
 * invalid by construction — a body that breaks its schema or its syntax, an
 * id that names no row, a caller who may not call — so none may succeed, and
 * none may make the server fail: the only right answers are 4xx.
 */

/** Random choices drawn from one seeded stream. */
export class Gen {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** A string of `length` characters drawn from `alphabet`. */
  chars(length: number, alphabet: string): string {
    const list = [...alphabet];
    let out = "";
    for (let i = 0; i < length; i++) out += this.pick(list);
    return out;
  }
}

/** What the generator needs to know about the server under test. */
export interface FuzzContext {
  /** A vehicle with an active patrol; its token is one of the callers. */
  vehicleId: number;
  vehicleToken: string;
  /** That vehicle's active patrol: never the target of a stop. */
  patrolId: number;
  /** `Cookie` headers of a signed-in admin and a station commander. */
  adminCookie: string;
  commanderCookie: string;
  /** A device id (OsmAnd) of that vehicle: requests carry it, or none, or an unknown one. */
  deviceId: string;
  /** Body limits of the server (REQUEST_BODY_LIMIT_BYTES, TELEMETRY_BATCH_BODY_LIMIT_BYTES). */
  bodyLimit: number;
  batchBodyLimit: number;
}

/** One generated request, and how it was made (to reproduce a failure). */
export interface FuzzRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Send the body chunked, without Content-Length. */
  streamed: boolean;
  description: string;
}

type Resource = "districts" | "zones" | "divisions" | "stations" | "vehicles" | "users";
const RESOURCES: Resource[] = ["districts", "zones", "divisions", "stations", "vehicles", "users"];

type Endpoint =
  | { kind: "token" | "start" | "stop" | "telemetry" | "batch" | "rotate" | "status" | "sos" | "ack" | "resolve" }
  | { kind: "osmand"; form: "query" | "form" | "json" }
  | { kind: "adminList" | "adminCreate"; resource: Resource }
  | { kind: "adminItem"; resource: Resource; method: "GET" | "PATCH" | "DELETE" };

type Auth = "none" | "device" | "garbageBearer" | "admin" | "commander" | "garbageCookie";

interface FieldSpec {
  required: boolean;
  kind: "number" | "string" | "boolean";
  nullable?: boolean;
  valid: unknown;
  /** Values of the right type that break the field's rules. */
  outOfRange: unknown[];
}

const id = (required: boolean, valid: unknown): FieldSpec => ({
  required,
  kind: "number",
  valid,
  outOfRange: [0, -1, 1.5, 2_147_483_648, 1e15, -2_147_483_649, Number.MAX_SAFE_INTEGER + 2],
});
const name = (max: number): FieldSpec => ({ required: true, kind: "string", valid: "Fuzz name", outOfRange: ["", "   ", "x".repeat(max + 1)] });
const code: FieldSpec = { required: true, kind: "string", valid: "FUZZ-1", outOfRange: ["", "A B", "-lead", "ü", "a/b", "x".repeat(33)] };

/** The body schemas of the API (lib/**), as far as the generator needs them to break them. */
const SCHEMAS: Record<"token" | "start" | "telemetry" | "status" | "sos" | Resource, Record<string, FieldSpec>> = {
  status: { status: { required: true, kind: "string", valid: "EN_ROUTE", outOfRange: ["", "en_route", "LUNCH", "AVAILABLE ", "ENDED"] } },
  sos: {
    lat: { required: false, kind: "number", valid: 9.97, outOfRange: [90.5, -91, 1e308] },
    lon: { required: false, kind: "number", valid: 76.29, outOfRange: [180.5, -181] },
  },
  token: {
    vehicleId: id(true, 1),
    secret: { required: true, kind: "string", valid: "fuzz-secret", outOfRange: ["", "s".repeat(257)] },
  },
  start: { stationId: id(false, 1) },
  telemetry: {
    patrolId: id(true, 1),
    lat: { required: true, kind: "number", valid: 9.97, outOfRange: [90.000001, -90.5, 1e308, -1e308] },
    lon: { required: true, kind: "number", valid: 76.29, outOfRange: [180.5, -181, 1e300] },
    ts: { required: false, kind: "number", valid: 1_764_200_000_000, outOfRange: [0, -1, 946_684_799_999, 1_764_200_000_000.5] },
    speed: { required: false, kind: "number", valid: 8, outOfRange: [-0.001, 150.5, 1e9] },
    heading: { required: false, kind: "number", valid: 90, outOfRange: [360, -1, 720.5] },
    accuracy: { required: false, kind: "number", valid: 5, outOfRange: [-1, -1e-9] },
  },
  districts: { name: name(120), code },
  zones: { name: name(120), code, districtId: id(true, 1) },
  divisions: { name: name(120), code, zoneId: id(true, 1) },
  stations: {
    name: name(120),
    code,
    lat: { required: true, kind: "number", valid: 10, outOfRange: [91, -90.1] },
    lon: { required: true, kind: "number", valid: 76, outOfRange: [181, -180.1] },
    divisionId: id(true, 1),
  },
  vehicles: {
    callSign: { required: true, kind: "string", valid: "FUZZ-1", outOfRange: ["", " ", "x".repeat(33)] },
    registration: { required: true, kind: "string", valid: "KL-FUZZ-1", outOfRange: ["", "x".repeat(33)] },
    homeStationId: id(true, 1),
    enabled: { required: false, kind: "boolean", valid: true, outOfRange: [] },
  },
  users: {
    email: { required: true, kind: "string", valid: "fuzz@example.org", outOfRange: ["", "not-an-email", "a@", "@b.c", `${"x".repeat(250)}@example.org`] },
    name: name(120),
    password: { required: true, kind: "string", valid: "fuzz-password-long", outOfRange: ["", "short", "p".repeat(257)] },
    role: { required: true, kind: "string", valid: "COMMANDER", outOfRange: ["ROOT", "admin", "", "COMMANDER "] },
    scopeLevel: { required: true, kind: "string", valid: "city", outOfRange: ["galaxy", "", "CITY"] },
    scopeId: { required: false, kind: "number", nullable: true, valid: null, outOfRange: [0, -1, 1.5, 2_147_483_648] },
  },
};

/** Keys no schema knows, some of them dangerous in careless code. */
const ALIEN_KEYS = ["__proto__", "constructor", "prototype", "", " ", "patrolid", "Lat", "id", "passwordHash", "secretHash", "role\u0000", "😀", "a".repeat(300), "$where", "toString"];

/** Path ids that name no row: never a small number, never a leading-zero alias of one. (No `%2e%2e`: fetch resolves it away.) */
const BAD_IDS = [
  "0",
  "-1",
  "1.5",
  "1e3",
  "2147483647",
  "2147483648",
  "2000000017",
  "9999999999",
  "99999999999",
  "9".repeat(40),
  "abc",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "0x10",
  "%00",
  "%E0%A4%A",
  "%",
  "%25",
  "%F0%9F%98%80",
  "1%3BDROP%20TABLE%20users",
  "%5Bid%5D",
  "-0",
  "+5",
  "%20",
];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/vnd.sentinel+json",
  "APPLICATION/JSON",
  "text/plain",
  "text/plain; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----fuzz",
  "application/xml",
  "application/jsonx",
  "application/json; charset=utf-16",
  "json",
  "*/*",
  "application/json, text/plain",
];

/** Header values must be bytes: UTF-8 text sent as latin1 characters. */
const asHeaderValue = (text: string) => Buffer.from(text, "utf8").toString("latin1").replace(/[\r\n\0]/g, " ");

const UNICODE = "aZ09 ü€😀\u200b\u202e\u0000\ufffd\ud7ff\u4e2d\u0627Ω";

function endpointOf(gen: Gen): Endpoint {
  const roll = gen.float();
  if (roll < 0.5) return { kind: gen.pick(["token", "start", "stop", "telemetry", "telemetry", "batch"] as const) };
  if (roll < 0.55) return { kind: "rotate" };
  if (roll < 0.65) return { kind: gen.pick(["status", "status", "sos", "ack", "resolve"] as const) };
  if (roll < 0.75) return { kind: "osmand", form: gen.pick(["query", "query", "form", "json", "json"] as const) };
  const resource = gen.pick(RESOURCES);
  const which = gen.float();
  if (which < 0.1) return { kind: "adminList", resource };
  if (which < 0.55) return { kind: "adminCreate", resource };
  return { kind: "adminItem", resource, method: gen.pick(["GET", "PATCH", "PATCH", "DELETE"] as const) };
}

function pathOf(endpoint: Endpoint, gen: Gen, ctx: FuzzContext): { method: string; path: string } {
  const badId = () => gen.pick(BAD_IDS);
  switch (endpoint.kind) {
    case "token":
      return { method: "POST", path: "/api/vehicles/token" };
    case "start":
      return { method: "POST", path: "/api/patrols/start" };
    case "stop":
      return { method: "POST", path: `/api/patrols/${badId()}/stop` };
    case "telemetry":
      return { method: "POST", path: "/api/telemetry" };
    case "batch":
      return { method: "POST", path: "/api/telemetry/batch" };
    case "rotate":
      return { method: "POST", path: `/api/admin/vehicles/${badId()}/secret` };
    // The real patrol, with a body that is certainly invalid; SOS (whose body is optional) and alerts at ids that name nothing.
    case "status":
      return { method: "POST", path: `/api/patrols/${ctx.patrolId}/status` };
    case "sos":
      return { method: "POST", path: `/api/patrols/${badId()}/sos` };
    case "ack":
    case "resolve":
      return { method: "POST", path: `/api/alerts/${badId()}/${endpoint.kind}` };
    case "osmand":
      return { method: endpoint.form === "query" ? gen.pick(["GET", "POST"]) : "POST", path: "/api/osmand" };
    case "adminList":
      return { method: "GET", path: `/api/admin/${endpoint.resource}` };
    case "adminCreate":
      return { method: "POST", path: `/api/admin/${endpoint.resource}` };
    case "adminItem":
      return { method: endpoint.method, path: `/api/admin/${endpoint.resource}/${badId()}` };
  }
}

/** Methods the route does not have (Next answers 405). */
function wrongMethod(endpoint: Endpoint, gen: Gen): string {
  if (endpoint.kind === "adminList" || endpoint.kind === "adminCreate") return gen.pick(["PUT", "DELETE", "PATCH"]);
  if (endpoint.kind === "adminItem") return gen.pick(["PUT", "POST"]);
  if (endpoint.kind === "osmand") return gen.pick(["PUT", "DELETE", "PATCH"]);
  return gen.pick(["GET", "PUT", "DELETE", "PATCH"]);
}

/** A caller for `endpoint`: anyone but an admin listing a collection (which would succeed). */
function authOf(endpoint: Endpoint, gen: Gen): Auth {
  const choices: Auth[] = ["none", "device", "device", "garbageBearer", "admin", "admin", "commander", "garbageCookie"];
  const allowed = endpoint.kind === "adminList" ? choices.filter((a) => a !== "admin") : choices;
  return gen.pick(allowed);
}

function authHeaders(auth: Auth, ctx: FuzzContext, gen: Gen): Record<string, string> {
  switch (auth) {
    case "none":
      return {};
    case "device":
      return { authorization: `${gen.pick(["Bearer", "bearer", "BEARER"])} ${ctx.vehicleToken}` };
    case "admin":
      return { cookie: ctx.adminCookie };
    case "commander":
      return { cookie: ctx.commanderCookie };
    case "garbageBearer": {
      const [h, p] = ctx.vehicleToken.split(".");
      return {
        authorization: gen.pick([
          "Bearer",
          "Bearer ",
          "Basic dXNlcjpwYXNz",
          "Bearer a.b.c",
          `Bearer ${ctx.vehicleToken}x`,
          `Bearer ${h}.${p}.`,
          `Bearer ${h}.${p}`,
          `Bearer ${ctx.vehicleToken}.extra`,
          `Bearer ${gen.chars(gen.int(1, 8000), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")}`,
          `Bearer ${asHeaderValue(gen.chars(40, UNICODE))}`,
          `Token ${ctx.vehicleToken}`,
          `Bearer  ${ctx.vehicleToken} trailing`,
        ]),
      };
    }
    case "garbageCookie": {
      const admin = ctx.adminCookie.split("; ").find((c) => c.includes("session-token=")) ?? ctx.adminCookie;
      return {
        cookie: gen.pick([
          "next-auth.session-token=garbage",
          `${admin.slice(0, Math.max(30, admin.length - gen.int(1, 20)))}`,
          `${admin}x`,
          "__Secure-next-auth.session-token=x",
          `next-auth.session-token=${gen.chars(gen.int(1, 3000), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")}`,
          `next-auth.session-token=${"a".repeat(gen.int(9_000, 20_000))}`,
          `${"c=1; ".repeat(400)}next-auth.session-token=`,
          asHeaderValue(`next-auth.session-token=${gen.chars(30, UNICODE)}`),
        ]),
      };
    }
  }
}

function randomScalar(gen: Gen): unknown {
  return gen.pick<() => unknown>([
    () => gen.chars(gen.int(0, 40), UNICODE),
    () => gen.int(-1000, 1000),
    () => gen.float() * 1e6,
    () => null,
    () => true,
    () => [],
    () => ({}),
    () => [1, "2", null],
    () => ({ nested: { deeper: [1] } }),
  ])();
}

/** A value of the wrong type for `spec`. */
function wrongType(spec: FieldSpec, gen: Gen): unknown {
  const byKind: Record<FieldSpec["kind"], unknown[]> = {
    number: ["1", "9.97", "", "NaN", true, [1], { value: 1 }, ...(spec.nullable ? [] : [null])],
    string: [1, 0, true, ["a"], { a: "b" }, null],
    boolean: ["true", 1, 0, null, "yes", []],
  };
  return gen.pick(byKind[spec.kind]);
}

function validObject(schema: Record<string, FieldSpec>, gen: Gen, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.required || gen.chance(0.5)) out[key] = key in overrides ? overrides[key] : spec.valid;
  }
  return out;
}

/** Sets an own, enumerable property even for keys like `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

/**
 * Breaks `object` (valid for `schema`) so that it is certainly invalid: one
 * to three poisons, each enough on its own. `partial` (PATCH): no field is
 * required, so dropping one is no poison.
 */
function poison(object: Record<string, unknown>, schema: Record<string, FieldSpec>, gen: Gen, partial: boolean): string[] {
  const applied: string[] = [];
  const keys = Object.keys(schema);
  for (let n = gen.int(1, 3); n > 0; n--) {
    const key = gen.pick(keys);
    const spec = schema[key]!;
    const options = ["alien", "wrongType", ...(spec.outOfRange.length ? ["outOfRange"] : []), ...(spec.required && !partial ? ["missing"] : [])];
    const kind = gen.pick(options);
    if (kind === "alien") setOwn(object, gen.pick(ALIEN_KEYS), randomScalar(gen));
    else if (kind === "wrongType") object[key] = wrongType(spec, gen);
    else if (kind === "outOfRange") object[key] = gen.pick(spec.outOfRange);
    else delete object[key];
    applied.push(`${kind}:${key}`);
  }
  return applied;
}

/** The JSON text of a body that breaks its schema (the patrol id is the real one where it matters). */
function invalidObjectText(endpoint: Endpoint, ctx: FuzzContext, gen: Gen): { text: string; how: string } {
  if (endpoint.kind === "batch") {
    const point = () => validObject(SCHEMAS.telemetry, gen, { patrolId: ctx.patrolId, ts: 1_764_200_000_000 + gen.int(0, 1e6) });
    const points = Array.from({ length: gen.int(1, 20) }, point);
    const how = gen.pick(["badPoint", "twoPatrols", "tooMany", "empty", "notArray", "alien", "missing"]);
    const body: Record<string, unknown> = { points };
    if (how === "badPoint") poison(gen.pick(points), SCHEMAS.telemetry, gen, false);
    else if (how === "twoPatrols") points.push({ ...point(), patrolId: ctx.patrolId + gen.int(1, 1000) });
    else if (how === "tooMany") body.points = Array.from({ length: 501 }, () => ({ patrolId: ctx.patrolId, lat: 9.9, lon: 76.2 }));
    else if (how === "empty") body.points = [];
    else if (how === "notArray") body.points = wrongType({ required: true, kind: "string", valid: "", outOfRange: [] }, gen);
    else if (how === "alien") setOwn(body, gen.pick(ALIEN_KEYS), randomScalar(gen));
    else delete body.points;
    return { text: JSON.stringify(body), how: `batch:${how}` };
  }
  const schemaName =
    endpoint.kind === "token" || endpoint.kind === "start" || endpoint.kind === "telemetry" || endpoint.kind === "status" || endpoint.kind === "sos"
      ? endpoint.kind
      : endpoint.kind === "adminCreate" || endpoint.kind === "adminItem"
        ? endpoint.resource
        : "telemetry";
  const schema = SCHEMAS[schemaName];
  const object = validObject(schema, gen, { patrolId: ctx.patrolId, vehicleId: ctx.vehicleId });
  const applied = poison(object, schema, gen, endpoint.kind === "adminItem" || endpoint.kind === "start");
  return { text: JSON.stringify(object), how: `${schemaName}:${applied.join(",")}` };
}

/** A body that is not a JSON object, or not JSON at all. */
function malformedText(gen: Gen, valid: string): { text: string; how: string } {
  const depth = gen.int(10, 12_000);
  const choices: [string, () => string][] = [
    ["array", () => `[${valid}]`],
    ["emptyArray", () => "[]"],
    ["string", () => JSON.stringify(gen.chars(gen.int(0, 200), UNICODE))],
    ["number", () => gen.pick(["0", "-1", "1e309", "-1e309", "9007199254740993", "1e-400", "1.7976931348623157e308"])],
    ["null", () => "null"],
    ["bool", () => "true"],
    ["deepArray", () => "[".repeat(depth) + "]".repeat(depth)],
    ["deepObject", () => '{"a":'.repeat(depth) + "1" + "}".repeat(depth)],
    ["deepUnclosed", () => "[".repeat(depth)],
    ["truncated", () => valid.slice(0, gen.int(1, valid.length - 1))],
    ["trailingComma", () => `${valid.slice(0, -1)},}`],
    ["singleQuotes", () => valid.replace(/"/g, "'")],
    ["nan", () => valid.replace(/:\s*[-\d.e+]+/, ":NaN")],
    ["comment", () => `/* fuzz */${valid}`],
    ["garbage", () => gen.chars(gen.int(1, 500), "{}[]:,\"'\\ntruefalsenull0123456789.eE+-")],
    ["unicodeText", () => gen.chars(gen.int(1, 300), UNICODE)],
    ["form", () => "patrolId=1&lat=9.97&lon=76.29"],
    ["xml", () => "<point><lat>9.97</lat></point>"],
    ["twoDocuments", () => `${valid}${valid}`],
    ["empty", () => ""],
    ["whitespace", () => " \n\t "],
  ];
  const [how, make] = gen.pick(choices);
  return { text: make(), how };
}

/**
 * OsmAnd fields (lib/osmand/schema.ts) as strings, and values that break each. Unknown fields are no poison here (the
 * protocol ignores them, as Traccar does), so every request breaks a field the decoder reads.
 */
const OSMAND_POISONS: Record<string, string[]> = {
  lat: ["91", "-90.5", "abc", "", " ", "1e999", "NaN", "9,97", "0x10"],
  lon: ["181", "-180.01", "east", "", "Infinity"],
  timestamp: ["0", "12", "yesterday", "2999-01-01T00:00:00Z", "99999999999999999", "", "30/11/2026", "2026-13-45 99:99:99"],
  speed: ["-1", "292", "fast", ""],
  bearing: ["361", "-1", "north"],
  accuracy: ["-1", "x"],
  altitude: ["1e9", "high"],
  batt: ["101", "-1", "full", ""],
};

/** A point in OsmAnd fields (valid), for the fuzzed vehicle's device id, or none, or one of no vehicle. */
function osmandFields(gen: Gen, ctx: FuzzContext): Record<string, string> {
  const fields: Record<string, string> = { lat: "9.97", lon: "76.29" };
  const id = gen.pick([ctx.deviceId, ctx.deviceId, "zzzz-zzzz-zzzz-zzzz-zzzz-zzzz-zzzz-zzzz", "123456"]);
  fields[gen.chance(0.8) ? "id" : "deviceid"] = id;
  for (const [key, value] of [["timestamp", "1764200000"], ["speed", "10"], ["bearing", "90"], ["accuracy", "5"], ["altitude", "12"], ["batt", "50"], ["alarm", "sos"], ["hdop", "3"]]) {
    if (gen.chance(0.5)) fields[key!] = value!;
  }
  return fields;
}

/** Breaks OsmAnd fields: one to three poisons, each enough on its own. */
function poisonOsmand(fields: Record<string, string>, gen: Gen): string[] {
  const applied: string[] = [];
  for (let n = gen.int(1, 3); n > 0; n--) {
    const how = gen.pick(["value", "value", "value", "noId", "longId", "oneCoordinate", "badLocation"]);
    if (how === "value") {
      const key = gen.pick(Object.keys(OSMAND_POISONS));
      fields[key] = gen.pick(OSMAND_POISONS[key]!);
      applied.push(`${key}=${JSON.stringify(fields[key])}`);
      continue;
    }
    if (how === "noId") {
      delete fields.id;
      delete fields.deviceid;
    }
    else if (how === "longId") fields.id = "x".repeat(gen.int(129, 400));
    else if (how === "oneCoordinate") delete fields[gen.pick(["lat", "lon"])];
    else {
      delete fields.lat;
      delete fields.lon;
      fields.location = gen.pick(["9.97;76.29", "9.97", "a,b", ",", "9.97,76.29,3", "91,76.29"]);
    }
    applied.push(how);
  }
  return applied;
}

/** Traccar Client 9's JSON body, broken. */
function invalidOsmandJson(gen: Gen, ctx: FuzzContext): { text: string; how: string } {
  const location = () => ({
    timestamp: "2026-11-27T10:00:00.000Z",
    coords: { latitude: 9.97, longitude: 76.29, speed: 5, heading: 90, accuracy: 5, altitude: 3 },
    battery: { level: 0.5, is_charging: false },
    is_moving: true,
  });
  const body: Record<string, any> = { device_id: gen.pick([ctx.deviceId, "zzzz-zzzz-zzzz-zzzz-zzzz-zzzz-zzzz-zzzz"]), location: gen.chance(0.3) ? [location(), location()] : location() };
  const one = () => (Array.isArray(body.location) ? gen.pick(body.location) : body.location);
  const how = gen.pick(["noDeviceId", "numericId", "noLocation", "latitude", "longitude", "timestamp", "battery", "speed", "emptyArray", "tooMany", "coordsString"]);
  if (how === "noDeviceId") delete body.device_id;
  else if (how === "numericId") body.device_id = 123456;
  else if (how === "noLocation") delete body.location;
  else if (how === "latitude") one().coords.latitude = gen.pick([91, -95, "9.97", null]);
  else if (how === "longitude") delete one().coords.longitude;
  else if (how === "timestamp") one().timestamp = gen.pick(["garbage", "", 1764200000, "2999-01-01T00:00:00Z"]);
  else if (how === "battery") one().battery.level = gen.pick([2, "half"]);
  else if (how === "speed") one().coords.speed = gen.pick([151, "fast"]);
  else if (how === "emptyArray") body.location = [];
  else if (how === "tooMany") body.location = Array.from({ length: 501 }, location);
  else one().coords = "9.97,76.29";
  return { text: JSON.stringify(body), how: `osmandJson:${how}` };
}

const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82]];

/** Encodes `text`, sometimes badly or too large. Never turns an invalid body into a valid one. */
function encode(text: string, limit: number, gen: Gen): { bytes: Uint8Array; how: string } {
  const utf8 = Buffer.from(text, "utf8");
  const roll = gen.float();
  if (roll < 0.6) return { bytes: utf8, how: "utf8" };
  if (roll < 0.68) return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]), how: "bom" };
  if (roll < 0.8) {
    const at = gen.int(0, utf8.length);
    return { bytes: Buffer.concat([utf8.subarray(0, at), Buffer.from(gen.pick(INVALID_UTF8)), utf8.subarray(at)]), how: "invalidUtf8" };
  }
  if (roll < 0.86) return { bytes: Buffer.from(text, "utf16le"), how: "utf16le" };
  // Oversize: just past the limit, or far past it.
  const size = gen.chance(0.7) ? limit + gen.int(1, 64) : limit * gen.int(2, 4);
  const pad = Buffer.alloc(Math.max(0, size - utf8.length), gen.pick([0x20, 0x0a, 0x30]));
  return { bytes: Buffer.concat([utf8, pad]), how: `oversize:${size}` };
}

/** Headers Next.js uses internally; Next answers some of them itself, before any route handler (see the fuzz test). */
const NEXT_INTERNAL_HEADERS: [string, (gen: Gen) => string][] = [
  ["x-middleware-subrequest", (gen) => gen.pick(["middleware", "proxy", "src/middleware:middleware:middleware:middleware:middleware"])],
  ["x-middleware-prefetch", () => "1"],
  ["next-router-prefetch", () => "1"],
  ["rsc", () => "1"],
  ["next-action", (gen) => gen.chars(40, "0123456789abcdef")],
  ["x-nextjs-data", () => "1"],
  ["x-now-route-matches", () => "id=1"],
];

const ORDINARY_HEADERS: [string, (gen: Gen) => string][] = [
  ["x-forwarded-for", (gen) => asHeaderValue(gen.chars(gen.int(1, 200), "0123456789., :abcdef" + UNICODE))],
  ["x-forwarded-host", (gen) => gen.pick(["evil.example", "", "localhost:1", asHeaderValue(gen.chars(20, UNICODE))])],
  ["x-forwarded-proto", (gen) => gen.pick(["https", "gopher", ""])],
  ["x-real-ip", () => "203.0.113.9"],
  ["x-sentinel-peer-address", () => "203.0.113.10"],
  ["x-http-method-override", () => "DELETE"],
  ["accept", (gen) => gen.pick(["*/*", "text/html", "application/json", asHeaderValue(gen.chars(50, UNICODE))])],
  ["accept-encoding", (gen) => gen.pick(["gzip, br", "identity;q=0", "💥"].map(asHeaderValue))],
  ["origin", (gen) => gen.pick(["https://evil.example", "null", ""])],
  ["x-fuzz", (gen) => asHeaderValue(gen.chars(gen.int(0, 4000), UNICODE))],
];

function extraHeaders(gen: Gen): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let n = gen.int(0, 3); n > 0; n--) {
    const [key, value] = gen.pick(ORDINARY_HEADERS);
    headers[key] = value(gen);
  }
  if (gen.chance(0.06)) {
    const [key, value] = gen.pick(NEXT_INTERNAL_HEADERS);
    headers[key] = value(gen);
  }
  return headers;
}

/** Request number `index` of the run seeded `seed`. */
export function fuzzRequest(seed: number, index: number, ctx: FuzzContext): FuzzRequest {
  const gen = new Gen((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const endpoint = endpointOf(gen);
  const route = pathOf(endpoint, gen, ctx);
  const method = gen.chance(0.08) ? wrongMethod(endpoint, gen) : route.method;
  const auth = authOf(endpoint, gen);
  const headers: Record<string, string> = { ...authHeaders(auth, ctx, gen), ...extraHeaders(gen) };
  const query = gen.chance(0.1) ? `?${gen.pick(["ticket=x", "__proto__[a]=1", "id=1&id=2", "%ZZ", "a=" + "b".repeat(2000)])}` : "";

  if (endpoint.kind === "osmand") return osmandRequest(index, endpoint.form, method, route.path, auth, headers, gen, ctx);

  let body: Uint8Array | undefined;
  let bodyHow = "none";
  // fetch cannot send a GET body; DELETE bodies are allowed and ignored.
  const sendsBody = method === "GET" ? false : method === "DELETE" ? gen.chance(0.1) : gen.chance(0.95);
  if (sendsBody) {
    const object = invalidObjectText(endpoint, ctx, gen);
    const { text, how } = gen.chance(0.65) ? object : malformedText(gen, object.text);
    const limit = endpoint.kind === "batch" ? ctx.batchBodyLimit : ctx.bodyLimit;
    const encoded = encode(text, limit, gen);
    body = encoded.bytes;
    bodyHow = `${how}/${encoded.how}`;
    const type = gen.float();
    if (type < 0.6) headers["content-type"] = "application/json";
    else if (type < 0.9) headers["content-type"] = asHeaderValue(gen.pick(CONTENT_TYPES));
    else if (type < 0.95) headers["content-type"] = asHeaderValue(gen.chars(gen.int(1, 100), UNICODE));
  }
  const streamed = body !== undefined && gen.chance(0.1);
  const description = `#${index} ${method} ${route.path}${query} auth=${auth} body=${bodyHow} (${body?.length ?? 0} B${streamed ? ", chunked" : ""}) ct=${headers["content-type"] ?? "-"} extra=${Object.keys(headers).filter((h) => h !== "content-type" && h !== "authorization" && h !== "cookie").join(",") || "-"}`;
  return { index, method, path: `${route.path}${query}`, headers, body, streamed, description };
}

/** An OsmAnd request that breaks the protocol: poisoned fields in the query string or a form body, or broken JSON. */
function osmandRequest(
  index: number,
  form: "query" | "form" | "json",
  method: string,
  path: string,
  auth: Auth,
  headers: Record<string, string>,
  gen: Gen,
  ctx: FuzzContext,
): FuzzRequest {
  let text: string | undefined;
  let how: string;
  let query = "";
  if (form === "json") {
    const object = invalidOsmandJson(gen, ctx);
    ({ text, how } = gen.chance(0.7) ? object : malformedText(gen, object.text));
    headers["content-type"] = gen.chance(0.8) ? "application/json" : asHeaderValue(gen.pick(CONTENT_TYPES));
  } else {
    const fields = osmandFields(gen, ctx);
    how = `osmand${form === "query" ? "Query" : "Form"}:${poisonOsmand(fields, gen).join(",")}`;
    const encoded = new URLSearchParams(fields).toString();
    if (form === "query") query = `?${encoded}`;
    else {
      text = encoded;
      headers["content-type"] = gen.chance(0.8) ? "application/x-www-form-urlencoded" : asHeaderValue(gen.pick(CONTENT_TYPES));
    }
  }
  // fetch cannot send a GET body.
  const encoded = text !== undefined && method !== "GET" ? encode(text, ctx.batchBodyLimit, gen) : undefined;
  const streamed = encoded !== undefined && gen.chance(0.1);
  const description = `#${index} ${method} ${path}${query.slice(0, 300)} auth=${auth} body=${how}/${encoded?.how ?? "none"} (${encoded?.bytes.length ?? 0} B${streamed ? ", chunked" : ""}) ct=${headers["content-type"] ?? "-"}`;
  return { index, method, path: `${path}${query}`, headers, body: encoded?.bytes, streamed, description };
}
