// npm run simulate -- --vehicles N --interval S – drive seeded vehicles through the public vehicle API.
import "dotenv/config";
import { parseArgs } from "node:util";
import { seededVehicleSecret } from "../lib/seed/seed";
import { seededRandom } from "../lib/seed/tree";
import { advance, startDrive, type Drive } from "./simulator/route";
import { signIn } from "./simulator/sign-in";

const USAGE = `Usage: npm run simulate -- [--vehicles 200] [--interval 5] [--url http://localhost:3000] [--admin admin@sentinel.local]
Seeded vehicles get device tokens, start patrols, drive around their stations and post telemetry; Ctrl-C stops their patrols.`;

interface SimVehicle {
  id: number;
  callSign: string;
  home: { lat: number; lon: number };
  token: string;
  patrolId: number;
  drive: Drive;
  lastMove: number;
}

const stats = { sent: 0, accepted: 0, errors: 0, lastError: "" };

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init.headers } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** Waits up to 2 minutes for the web server (the demo starts us alongside it). */
async function waitUntilUp(base: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${base} did not answer /api/health within 2 minutes; is the web server running?`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      vehicles: { type: "string", default: "200" },
      interval: { type: "string", default: "5" },
      url: { type: "string" },
      admin: { type: "string", default: "admin@sentinel.local" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const count = Number(values.vehicles);
  const intervalS = Number(values.interval);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--vehicles must be a positive integer.\n${USAGE}`);
  if (!(intervalS >= 0.1)) throw new Error(`--interval must be at least 0.1 seconds.\n${USAGE}`);
  const { env } = await import("../lib/env");
  const base = values.url ?? `http://localhost:${env.PORT}`;
  const password = env.DEMO_PASSWORD;

  await waitUntilUp(base);
  // The fleet list comes from the admin API: the simulator uses only public HTTP APIs.
  const cookie = await signIn(base, values.admin, password);
  const [vehicles, stations] = await Promise.all(
    ["vehicles", "stations"].map(async (r) => (await json(`${base}/api/admin/${r}`, { headers: { cookie } })).body.items as any[]),
  );
  const stationById = new Map(stations!.map((s: { id: number; lat: number; lon: number }) => [s.id, s]));
  const chosen = vehicles!.filter((v: { enabled: boolean }) => v.enabled).slice(0, count);
  if (chosen.length < count) console.warn(`Only ${chosen.length} enabled vehicles exist; simulating those.`);
  const random = seededRandom(7);

  console.log(`Starting ${chosen.length} patrols against ${base}…`);
  const fleet: SimVehicle[] = [];
  for (let i = 0; i < chosen.length; i += 20) {
    const started = await Promise.all(
      chosen.slice(i, i + 20).map(async (v: { id: number; callSign: string; homeStationId: number }) => {
        const tok = await json(`${base}/api/vehicles/token`, {
          method: "POST",
          body: JSON.stringify({ vehicleId: v.id, secret: seededVehicleSecret(password, v.callSign) }),
        });
        if (tok.status !== 200) throw new Error(`${v.callSign}: token refused (${tok.status} ${tok.body?.error?.message ?? ""})`);
        const token = tok.body.token as string;
        const auth = { authorization: `Bearer ${token}` };
        let start = await json(`${base}/api/patrols/start`, { method: "POST", headers: auth });
        if (start.status === 409 && start.body?.patrolId) start = { status: 201, body: { patrolId: start.body.patrolId } };
        if (start.status !== 201) throw new Error(`${v.callSign}: start refused (${start.status} ${start.body?.error?.message ?? ""})`);
        const home = stationById.get(v.homeStationId) ?? { lat: 9.98, lon: 76.3 };
        return { id: v.id, callSign: v.callSign, home, token, patrolId: start.body.patrolId as number, drive: startDrive(home, random), lastMove: Date.now() };
      }),
    );
    fleet.push(...started);
  }
  console.log(`${fleet.length} patrols on the road, posting every ~${intervalS}s. Ctrl-C stops them.`);

  let stopping = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const tick = (v: SimVehicle) => {
    if (stopping) return;
    const now = Date.now();
    v.drive = advance(v.drive, v.home, (now - v.lastMove) / 1000, now, random);
    v.lastMove = now;
    const { lat, lon, speed, heading } = v.drive;
    stats.sent++;
    json(`${base}/api/telemetry`, {
      method: "POST",
      headers: { authorization: `Bearer ${v.token}` },
      body: JSON.stringify({ patrolId: v.patrolId, lat: +lat.toFixed(6), lon: +lon.toFixed(6), ts: now, speed: +speed.toFixed(1), heading: Math.round(heading) % 360 }),
    })
      .then((r) => {
        if (r.status === 202) stats.accepted++;
        else {
          stats.errors++;
          stats.lastError = `${v.callSign}: ${r.status} ${r.body?.error?.message ?? ""}`;
        }
      })
      .catch((err: unknown) => {
        stats.errors++;
        stats.lastError = `${v.callSign}: ${String(err)}`;
      });
    // ±20 % jitter so vehicles don't post in lockstep.
    const t = setTimeout(() => {
      timers.delete(t);
      tick(v);
    }, intervalS * 1000 * (0.8 + 0.4 * Math.random()));
    timers.add(t);
  };
  fleet.forEach((v) => {
    const t = setTimeout(() => tick(v), Math.random() * intervalS * 1000);
    timers.add(t);
  });

  const PROGRESS_EVERY_S = 5;
  let last = { ...stats };
  const progress = setInterval(() => {
    const rate = (n: number) => (n / PROGRESS_EVERY_S).toFixed(1);
    const d = { sent: stats.sent - last.sent, accepted: stats.accepted - last.accepted, errors: stats.errors - last.errors };
    last = { ...stats };
    console.log(
      `sent ${rate(d.sent)}/s  accepted ${rate(d.accepted)}/s  errors ${rate(d.errors)}/s  (total ${stats.accepted} accepted, ${stats.errors} errors)` +
        (d.errors ? `  last error: ${stats.lastError}` : ""),
    );
  }, PROGRESS_EVERY_S * 1000);

  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(progress);
    timers.forEach(clearTimeout);
    console.log(`\nStopping ${fleet.length} patrols…`);
    let failed = 0;
    for (let i = 0; i < fleet.length; i += 50) {
      const results = await Promise.all(
        fleet.slice(i, i + 50).map((v) =>
          json(`${base}/api/patrols/${v.patrolId}/stop`, { method: "POST", headers: { authorization: `Bearer ${v.token}` } }).then(
            (r) => r.status === 200 || r.status === 409,
            () => false,
          ),
        ),
      );
      failed += results.filter((ok) => !ok).length;
    }
    console.log(failed ? `Stopped, but ${failed} patrol(s) could not be stopped (is the web server still up?).` : "Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
