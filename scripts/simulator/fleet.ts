import { readFileSync } from "node:fs";
import { seededVehicleSecret } from "../../lib/seed/seed";

/**
 * Putting vehicles on patrol through the public vehicle API and taking them
 * off again: the one code path of the demo simulator, the benchmark and the
 * soak. A vehicle that cannot authenticate is skipped, never an abort; any
 * other refusal stops the patrols already started before it is reported, so
 * a failed start leaves no patrol without a driver.
 */

/** An answer to one fleet request: status 0 when none came (`error` says why), body parsed as JSON when it is. */
export interface FleetAnswer {
  status: number;
  body: any;
  error?: string;
}

/** One JSON request of the fleet; never rejects. */
export type FleetRequest = (method: "GET" | "POST", path: string, body?: unknown, headers?: Record<string, string>) => Promise<FleetAnswer>;

/** `FleetRequest` over fetch against `base`, giving up after `timeoutMs` (default 10 s). */
export function fetchRequest(base: string, timeoutMs = 10_000): FleetRequest {
  return async (method, path, body, headers = {}) => {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        // JSON declared on every change, body or not: the server refuses a signed-in change without it.
        headers: method === "GET" ? headers : { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: res.status, body: parseJson(await res.text()) };
    } catch (err) {
      return { status: 0, body: null, error: (err as Error).message };
    }
  };
}

/** `text` parsed as JSON, or the text itself when it is not JSON (null when empty). */
export function parseJson(text: string): any {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A vehicle the fleet may put on patrol. */
export interface FleetVehicle {
  id: number;
  callSign: string;
  homeStationId: number;
}

/** A vehicle on patrol: its device token and its patrol (`adopted` when it was already on that patrol). */
export interface OnPatrol<V extends FleetVehicle = FleetVehicle> {
  vehicle: V;
  token: string;
  patrolId: number;
  adopted: boolean;
}

/** Why a vehicle was skipped: it cannot authenticate (401), or it is disabled (403). */
export type SkipReason = "unauthenticated" | "disabled";

/** How a vehicle gets its device token: a token, or why it cannot have one. Throws on anything else. */
export type Authenticate<V extends FleetVehicle> = (vehicle: V) => Promise<{ token: string } | { skip: SkipReason }>;

/**
 * Authenticates through `POST /api/vehicles/token` with the vehicle's device
 * secret: the one in `credentials` (vehicle id → secret) when listed, else
 * the seed's rule for `password`.
 */
export function withDeviceSecret(request: FleetRequest, password: string, credentials: ReadonlyMap<number, string> = new Map()): Authenticate<FleetVehicle> {
  return async (v) => {
    const secret = credentials.get(v.id) ?? seededVehicleSecret(password, v.callSign);
    const res = await request("POST", "/api/vehicles/token", { vehicleId: v.id, secret });
    if (res.status === 200) return { token: res.body.token as string };
    if (res.status === 401) return { skip: "unauthenticated" };
    if (res.status === 403) return { skip: "disabled" };
    throw new Error(`${v.callSign}: token refused (${describe(res)})`);
  };
}

/**
 * Reads a credentials file: one `vehicleId,secret` per line; blank lines,
 * `#` comments and a `vehicleId,secret` header are ignored.
 */
export function readCredentials(file: string): Map<number, string> {
  const credentials = new Map<number, string>();
  readFileSync(file, "utf8")
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith("#") || /^vehicleId\s*,/i.test(line)) return;
      const comma = line.indexOf(",");
      const id = Number(line.slice(0, comma));
      const secret = line.slice(comma + 1).trim();
      if (comma < 0 || !Number.isInteger(id) || id < 1 || !secret) {
        throw new Error(`${file}:${i + 1}: expected "vehicleId,secret", got "${line.slice(0, 40)}"`);
      }
      credentials.set(id, secret);
    });
  return credentials;
}

/** Options of `enrolFleet`. */
export interface EnrolOptions<V extends FleetVehicle> {
  /** Vehicles wanted on patrol; the candidates after them are tried only to replace skipped ones. Default: all. */
  want?: number;
  authenticate: Authenticate<V>;
  /** Vehicles enrolled at once (default 16). */
  concurrency?: number;
  /** Called with each vehicle before it is sent any request (the simulator journals it). */
  beforeStart?: (vehicle: V) => void;
  /** Once aborted, no further vehicle is tried: the patrols started so far are returned. */
  signal?: AbortSignal;
}

/** What `enrolFleet` did: the vehicles now on patrol and those skipped, both in candidate order. */
export interface Enrolled<V extends FleetVehicle> {
  patrols: OnPatrol<V>[];
  skipped: Array<{ vehicle: V; reason: SkipReason }>;
}

/**
 * Puts up to `want` of `candidates` on patrol, in order, `concurrency` at a
 * time: a token, then `POST /api/patrols/start` (a vehicle already on patrol
 * answers 409 with its patrol, which is adopted). Vehicles that cannot
 * authenticate are skipped and replaced by the next candidates. Any other
 * refusal stops every patrol started or adopted so far, then throws.
 */
export async function enrolFleet<V extends FleetVehicle>(request: FleetRequest, candidates: readonly V[], opts: EnrolOptions<V>): Promise<Enrolled<V>> {
  const want = opts.want ?? candidates.length;
  const concurrency = opts.concurrency ?? 16;
  const result: Enrolled<V> = { patrols: [], skipped: [] };
  const enrolOne = async (vehicle: V): Promise<void> => {
    const auth = await opts.authenticate(vehicle);
    if ("skip" in auth) {
      result.skipped.push({ vehicle, reason: auth.skip });
      return;
    }
    const res = await request("POST", "/api/patrols/start", {}, { authorization: `Bearer ${auth.token}` });
    const patrolId = res.body?.patrolId as number | undefined;
    if ((res.status === 201 || res.status === 409) && patrolId) {
      result.patrols.push({ vehicle, token: auth.token, patrolId, adopted: res.status === 409 });
      return;
    }
    throw new Error(`${vehicle.callSign}: patrol start refused (${describe(res)})`);
  };
  let next = 0;
  let inFlight = 0;
  let failure: Error | null = null;
  const more = () => !failure && !opts.signal?.aborted && next < candidates.length;
  // Each worker takes the next candidate while the patrols started and in flight fall short of `want`.
  const worker = async () => {
    while (more() && result.patrols.length + inFlight < want) {
      const vehicle = candidates[next++]!;
      inFlight++;
      opts.beforeStart?.(vehicle);
      await enrolOne(vehicle)
        .catch((err: Error) => void (failure ??= err))
        .finally(() => inFlight--);
    }
  };
  // Workers stop once enough are in flight; a round after one that skipped vehicles replaces them.
  while (more() && result.patrols.length < want) await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure) {
    const { failed: notStopped } = await stopPatrols(request, result.patrols);
    const left = notStopped.length ? ` ${notStopped.length} patrol(s) could not be stopped: ${notStopped.map((p) => p.patrolId).join(", ")}.` : "";
    throw new Error(`${(failure as Error).message}. Stopped the ${result.patrols.length - notStopped.length} patrol(s) started before it.${left}`);
  }
  const order = new Map(candidates.map((v, i) => [v.id, i]));
  result.patrols.sort((a, b) => order.get(a.vehicle.id)! - order.get(b.vehicle.id)!);
  result.skipped.sort((a, b) => order.get(a.vehicle.id)! - order.get(b.vehicle.id)!);
  return result;
}

/**
 * Stops patrols with their vehicles' tokens, 50 at a time; a patrol that is
 * no longer active (409) counts as stopped. Returns those that could not be.
 */
export async function stopPatrols<P extends { patrolId: number; token: string }>(request: FleetRequest, patrols: readonly P[]): Promise<{ failed: P[] }> {
  const failed: P[] = [];
  for (let i = 0; i < patrols.length; i += 50) {
    await Promise.all(
      patrols.slice(i, i + 50).map(async (p) => {
        const res = await request("POST", `/api/patrols/${p.patrolId}/stop`, undefined, { authorization: `Bearer ${p.token}` });
        if (res.status !== 200 && res.status !== 409) failed.push(p);
      }),
    );
  }
  return { failed };
}

/** "Skipped 2 vehicles created outside the seed …" naming them (the first 5), or null when none was skipped. */
export function skippedSummary(skipped: Enrolled<FleetVehicle>["skipped"]): string | null {
  const of = (reason: SkipReason) => skipped.filter((s) => s.reason === reason).map((s) => s.vehicle);
  const named = (list: FleetVehicle[]) =>
    `${list.length} ${list.length === 1 ? "vehicle" : "vehicles"} ` +
    `(${list.slice(0, 5).map((v) => v.callSign).join(", ")}${list.length > 5 ? ` and ${list.length - 5} more` : ""})`;
  const parts: string[] = [];
  const unauthenticated = of("unauthenticated");
  const disabled = of("disabled");
  if (unauthenticated.length) {
    parts.push(
      `skipped ${named(unauthenticated)} created outside the seed or whose secret was rotated: ` +
        "to drive them, pass --credentials FILE with lines of vehicleId,secret",
    );
  }
  if (disabled.length) parts.push(`skipped ${named(disabled)} disabled since the list was read`);
  return parts.length ? parts.join("; ") : null;
}

function describe(res: FleetAnswer): string {
  if (res.status === 0) return `no answer: ${res.error ?? "unknown error"}`;
  const message = typeof res.body === "object" && res.body?.error?.message ? ` ${res.body.error.message}` : "";
  return `HTTP ${res.status}${message}`;
}
