import { expect, type Page } from "@playwright/test";
import { seededVehicleSecret } from "../lib/seed/seed";
import { signIn } from "../scripts/simulator/sign-in";
import { TEST_SECRETS } from "../test/support/secrets";

export const base = () => process.env.E2E_BASE_URL!;

export interface Station {
  id: number;
  name: string;
  lat: number;
  lon: number;
  divisionId: number;
  zoneId: number;
  districtId: number;
  /** Its jurisdiction (a GeoJSON Polygon), or null. */
  boundary?: unknown;
}
export interface Vehicle {
  id: number;
  callSign: string;
  homeStationId: number;
}

/** The organisation and fleet, read through the admin API. */
export async function loadFleet(): Promise<{ stations: Station[]; vehicles: Vehicle[] }> {
  const cookie = await signIn(base(), "admin@sentinel.local", TEST_SECRETS.DEMO_PASSWORD);
  const get = async (r: string) => ((await (await fetch(`${base()}/api/admin/${r}`, { headers: { cookie } })).json()) as { items: unknown[] }).items;
  return { stations: (await get("stations")) as Station[], vehicles: (await get("vehicles")) as Vehicle[] };
}

/**
 * One station's seeded vehicles that a spec may drive, in id order: without the admin spec's `E2E-` vehicles and
 * without the fleet's last three seeded ones, which security-headers, hostile-names and cross-site take from the
 * end. Specs share the suite's stack and take Kadavanthra's from the back, each its own: replay -1, access-live -2,
 * trails -3 and -4, replay with several patrols -5 and -6, control-room -7, accessibility -1 and -2 again (the live-map specs take from the front,
 * and so do connection (the first) and triage (the first three); city-map takes every other station's, for a fleet
 * large enough to aggregate; specs run one at a time and stop their patrols, so a vehicle shared with them is never
 * driven twice at once).
 */
export function spareVehicles(vehicles: Vehicle[], stationId: number): Vehicle[] {
  const seeded = vehicles.filter((v) => !v.callSign.startsWith("E2E-"));
  const reserved = new Set(seeded.slice(-3).map((v) => v.id));
  return seeded.filter((v) => v.homeStationId === stationId && !reserved.has(v.id));
}

/** A rectangle around a station, as a GeoJSON Polygon (`[lon, lat]`, closed): a jurisdiction for tests and pictures. */
export function boundaryAround(s: Station, halfLat = 0.01, halfLon = 0.012) {
  const [s0, n0, w0, e0] = [s.lat - halfLat, s.lat + halfLat, s.lon - halfLon, s.lon + halfLon];
  return { type: "Polygon", coordinates: [[[w0, s0], [e0, s0], [e0, n0], [w0, n0], [w0, s0]]] };
}

/** A vehicle driven through the public vehicle API, as a device would. */
export class Device {
  token = "";
  patrolId = 0;
  constructor(readonly vehicle: Vehicle) {}

  private async post(pathname: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${base()}${pathname}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  }

  async start(): Promise<number> {
    const tok = await this.post("/api/vehicles/token", { vehicleId: this.vehicle.id, secret: seededVehicleSecret(TEST_SECRETS.DEMO_PASSWORD, this.vehicle.callSign) });
    this.token = tok.body.token as string;
    const res = await this.post("/api/patrols/start");
    if (res.status !== 201) throw new Error(`start ${this.vehicle.callSign}: ${res.status} ${JSON.stringify(res.body)}`);
    this.patrolId = res.body.patrolId as number;
    return this.patrolId;
  }

  async report(lat: number, lon: number, extra: { speed?: number; heading?: number; ts?: number } = {}): Promise<void> {
    const res = await this.post("/api/telemetry", { patrolId: this.patrolId, lat, lon, ...extra });
    if (res.status !== 202) throw new Error(`telemetry ${this.vehicle.callSign}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** A backlog of points in one request, as a device catching up after a gap does (one request, not the per-second limit). */
  async reportBatch(points: { lat: number; lon: number; ts: number; speed?: number; heading?: number }[]): Promise<void> {
    const res = await this.post("/api/telemetry/batch", { points: points.map((p) => ({ patrolId: this.patrolId, ...p })) });
    if (res.status !== 202) throw new Error(`telemetry batch ${this.vehicle.callSign}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Sets the patrol's duty status, as the device's own status buttons do. */
  async setStatus(status: string): Promise<void> {
    const res = await this.post(`/api/patrols/${this.patrolId}/status`, { status });
    if (res.status !== 200) throw new Error(`status ${this.vehicle.callSign}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Presses the panic button (at the last reported position unless `at` says where). */
  async sos(at?: { lat: number; lon: number }): Promise<number> {
    const res = await this.post(`/api/patrols/${this.patrolId}/sos`, at);
    if (res.status !== 201) throw new Error(`sos ${this.vehicle.callSign}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.alertId as number;
  }

  async stop(): Promise<void> {
    if (this.patrolId) await this.post(`/api/patrols/${this.patrolId}/stop`);
  }
}

/** Signs in through the login form and waits for the live map to be connected. */
export async function openMap(page: Page, email: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_SECRETS.DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/map");
  await page.getByTestId("connection-status").and(page.locator('[data-status="live"]')).waitFor();
  // The map itself (loaded after the page, in the browser only) is drawn.
  await page.locator(".live-map.leaflet-container").waitFor();
}

/** The patrol ids the page's store holds (the map's state), sorted. */
export function storePatrolIds(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(window.__sentinelFleet?.getState().patrols.keys() ?? [])].sort((a, b) => a - b));
}

/** The window the city map is shown in for the README: 1366 × 768, a common laptop screen. */
export const CITY_VIEWPORT = { width: 1366, height: 768 };

/**
 * Starts every device of `fleet` and moves each around its home station for
 * three reports, then waits until the map on `page` shows them all live.
 */
export async function showMovingFleet(page: Page, fleet: Device[], stations: Station[]): Promise<void> {
  await Promise.all(fleet.map((d) => d.start()));
  for (let step = 0; step < 3; step++) {
    await Promise.all(
      fleet.map((d, i) => {
        const home = stations.find((s) => s.id === d.vehicle.homeStationId)!;
        const angle = i * 0.7 + step * 0.3;
        return d.report(+(home.lat + 0.004 * Math.sin(angle)).toFixed(5), +(home.lon + 0.004 * Math.cos(angle)).toFixed(5), {
          speed: 6 + (i % 8),
          heading: Math.round((i * 37 + step * 20) % 360),
        });
      }),
    );
  }
  await expect(page.locator('[data-testid="patrol-row"][data-status="live"]')).toHaveCount(fleet.length);
  await expect(page.getByTestId("count-live")).toHaveText(`${fleet.length} live`);
}
