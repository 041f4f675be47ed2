// npm run simulate -- --vehicles N --interval S – put vehicles on patrol through the public vehicle API and drive them.
import "dotenv/config";
import { parseArgs } from "node:util";
import { compileBoundary, type BoundaryPolygon } from "../lib/geo/polygon";
import { seededRandom } from "../lib/seed/tree";
import { sentinelDataDir } from "./processes";
import { enrolFleet, fetchRequest, readCredentials, skippedSummary, stopPatrols, withDeviceSecret, type FleetRequest, type FleetVehicle, type OnPatrol } from "./simulator/fleet";
import { Journal, journalPath } from "./simulator/journal";
import { ControlRoom, happens, nextDutyChange, type DutyChange, type DutyStatus } from "./simulator/control-room";
import { advance, startDrive, strayTarget, type Beat, type Drive } from "./simulator/route";
import { phonesFile, simulatedPhones, type PhoneCandidate } from "./simulator/phones";
import { signIn } from "./simulator/sign-in";
import { VehicleFleet } from "./simulator/vehicle-fleet";

const USAGE = `Usage: npm run simulate -- [--vehicles 200] [--interval 5] [--url http://localhost:3000] [--admin admin@sentinel.local]
                            [--station ID] [--credentials FILE] [--journal FILE]
                            [--sos-every MINUTES] [--speeding-rate 0.2] [--stray-rate 0.1] [--phones 0]
Puts enabled vehicles (those of one home station with --station) on patrol and drives them around their stations
(inside the station's boundary when it has one); Ctrl-C stops their patrols.
Control room: each unit's duty status goes AVAILABLE → EN_ROUTE → ON_SCENE → BUSY → AVAILABLE over its shift (a job
about every 70 minutes). --sos-every N: every N minutes a random vehicle presses SOS (default: never).
--speeding-rate R: speeding spells (over 100 km/h for a minute) per vehicle per hour (default 0.2; 0: never).
--stray-rate R: excursions out of the home station's boundary per vehicle per hour (default 0.1; 0: never).
--phones N: N of the units are phones reporting over the OsmAnd protocol (GET /api/osmand, as Traccar Client does),
with a battery that drains over the shift; the simulator sets each up (a device id from the admin API, kept in a file
beside the journal) and never takes a vehicle whose phone someone else set up (default 0).
A server without the status or SOS route is told once and that part is switched off.
Seeded vehicles authenticate by the seed's rule, others only with --credentials FILE
(lines of vehicleId,secret); a vehicle it cannot authenticate is skipped and the next one taken.
A run killed outright leaves its patrols active: the next run against the same server adopts those of the vehicles
it drives and stops the others (it finds them in its journal, default <SENTINEL_DATA_DIR, .sentinel>/simulator-<host>-<port>.json).`;

/** A vehicle being driven: its patrol, home station (and its beat, when it has a boundary), where it is on its route and its duty. */
interface SimPatrol {
  patrolId: number;
  callSign: string;
  token: string;
  home: { lat: number; lon: number };
  beat: Beat | undefined;
  drive: Drive;
  lastMove: number;
  duty: DutyStatus;
  next: DutyChange;
  /** A phone's device id and battery: percent at the start, and when that was. */
  phone?: { deviceId: string; battery: number; since: number };
}

/** A simulated phone's battery drains 8 % an hour (never below 1 %). */
const BATTERY_DRAIN_PER_HOUR = 8;

/** Shortest speeding spell: 60 s, and never fewer than 6 points, so an OVERSPEED (two points in a row) is certain. */
const SPEEDING_SPELL_MS = 60_000;
const SPEEDING_SPELL_POINTS = 6;

/** Seconds between progress lines: 5. */
const PROGRESS_EVERY_S = 5;

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

/**
 * Stops the patrols of `vehicleIds` that a previous, killed run left active
 * (found through the admin's view of active patrols). Returns the vehicle
 * ids whose patrol could not be stopped.
 */
async function stopLeftovers(request: FleetRequest, cookie: string, vehicleIds: Set<number>): Promise<number[]> {
  if (!vehicleIds.size) return [];
  const active = await request("GET", "/api/patrols", undefined, { cookie });
  if (active.status !== 200) {
    console.warn(`Could not list active patrols (HTTP ${active.status}) to stop those a previous run left; the next run tries again.`);
    return [...vehicleIds];
  }
  const left = (active.body.items as Array<{ patrolId: number; vehicleId: number; callSign: string }>).filter((p) => vehicleIds.has(p.vehicleId));
  const failed: number[] = [];
  await Promise.all(
    left.map(async (p) => {
      const res = await request("POST", `/api/patrols/${p.patrolId}/stop`, undefined, { cookie });
      if (res.status !== 200 && res.status !== 409) failed.push(p.vehicleId);
    }),
  );
  if (left.length) console.log(`Stopped ${left.length - failed.length} patrol(s) a previous simulator run left on the road.`);
  if (failed.length) console.warn(`${failed.length} of them could not be stopped; the next run tries again.`);
  return failed;
}

async function main() {
  const { values } = parseArgs({
    options: {
      vehicles: { type: "string", default: "200" },
      interval: { type: "string", default: "5" },
      url: { type: "string" },
      admin: { type: "string", default: "admin@sentinel.local" },
      station: { type: "string" },
      credentials: { type: "string" },
      journal: { type: "string" },
      "sos-every": { type: "string" },
      "speeding-rate": { type: "string", default: "0.2" },
      "stray-rate": { type: "string", default: "0.1" },
      phones: { type: "string", default: "0" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const count = Number(values.vehicles);
  const intervalS = Number(values.interval);
  const stationId = values.station === undefined ? null : Number(values.station);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--vehicles must be a positive integer.\n${USAGE}`);
  if (!(intervalS >= 0.1)) throw new Error(`--interval must be at least 0.1 seconds.\n${USAGE}`);
  if (stationId !== null && !(Number.isInteger(stationId) && stationId > 0)) throw new Error(`--station must be a station id.\n${USAGE}`);
  const sosEveryMin = values["sos-every"] === undefined ? null : Number(values["sos-every"]);
  const speedingRate = Number(values["speeding-rate"]);
  const strayRate = Number(values["stray-rate"]);
  if (sosEveryMin !== null && !(sosEveryMin > 0)) throw new Error(`--sos-every must be a number of minutes above 0.\n${USAGE}`);
  if (!(speedingRate >= 0)) throw new Error(`--speeding-rate must be a rate per vehicle per hour, 0 or more.\n${USAGE}`);
  if (!(strayRate >= 0)) throw new Error(`--stray-rate must be a rate per vehicle per hour, 0 or more.\n${USAGE}`);
  const phoneCount = Number(values.phones);
  if (!Number.isInteger(phoneCount) || phoneCount < 0) throw new Error(`--phones must be a whole number, 0 or more.\n${USAGE}`);
  const { env } = await import("../lib/env");
  const base = values.url ?? `http://localhost:${env.PORT}`;
  const password = env.DEMO_PASSWORD;
  const credentials = values.credentials ? readCredentials(values.credentials) : new Map<number, string>();
  const journal = new Journal(values.journal ?? journalPath(sentinelDataDir(), base));
  const request = fetchRequest(base);

  // Ctrl-C while patrols are being started: finish the starts in flight, then stop what was started.
  const interrupted = new AbortController();
  let stopDriving: (() => Promise<void>) | null = null;
  const onSignal = () => {
    if (interrupted.signal.aborted) return;
    interrupted.abort();
    void stopDriving?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  await waitUntilUp(base);
  // The fleet list comes from the admin API: the simulator uses only public HTTP APIs.
  const cookie = await signIn(base, values.admin, password);
  const [vehicles, stations] = await Promise.all(
    ["vehicles", "stations"].map(async (resource) => {
      const res = await request("GET", `/api/admin/${resource}`, undefined, { cookie });
      if (res.status !== 200) throw new Error(`Listing ${resource} failed (HTTP ${res.status}): is ${values.admin} an admin?`);
      return res.body.items as any[];
    }),
  );
  const stationById = new Map(
    (stations as Array<{ id: number; lat: number; lon: number; boundary?: BoundaryPolygon | null }>).map((s) => [
      s.id,
      { lat: s.lat, lon: s.lon, beat: s.boundary ? compileBoundary(s.boundary) : undefined },
    ]),
  );
  const candidates = (vehicles as Array<FleetVehicle & { enabled: boolean }>).filter(
    (v) => v.enabled && (stationId === null || v.homeStationId === stationId),
  );

  console.log(`Starting up to ${count} patrols against ${base}…`);
  const enrolled = await enrolFleet(request, candidates, {
    want: count,
    authenticate: withDeviceSecret(request, password, credentials),
    beforeStart: (v) => journal.add([v.id]),
    signal: interrupted.signal,
  });
  const skipped = skippedSummary(enrolled.skipped);
  if (skipped) console.warn(`⚠ ${skipped[0]!.toUpperCase()}${skipped.slice(1)}.`);
  const driven = new Set(enrolled.patrols.map((p) => p.vehicle.id));
  const strays = await stopLeftovers(request, cookie, new Set([...journal.leftover].filter((id) => !driven.has(id))));
  journal.set([...driven, ...strays]);

  const stopAll = async (patrols: OnPatrol[]) => {
    console.log(`\nStopping ${patrols.length} patrols…`);
    const { failed } = await stopPatrols(request, patrols);
    journal.set([...failed.map((p) => p.vehicle.id), ...strays]);
    console.log(failed.length ? `Stopped, but ${failed.length} patrol(s) could not be stopped (is the web server still up?).` : "Stopped.");
    process.exit(failed.length ? 1 : 0);
  };
  if (interrupted.signal.aborted) return stopAll(enrolled.patrols);
  if (!enrolled.patrols.length) {
    throw new Error(`No vehicle to drive: none of the ${candidates.length} enabled vehicle(s)${stationId ? ` of station ${stationId}` : ""} could authenticate.`);
  }

  const adopted = enrolled.patrols.filter((p) => p.adopted).length;
  if (adopted) console.log(`Adopted ${adopted} patrol(s) already on the road (a previous run's, or their devices').`);
  if (enrolled.patrols.length < count) {
    console.log(`Driving ${enrolled.patrols.length} of the ${count} vehicles asked for: no other enabled vehicle it can authenticate.`);
  }
  const random = seededRandom(7);
  const now = Date.now();
  const phones = phoneCount
    ? await simulatedPhones(request, cookie, enrolled.patrols.map((p) => p.vehicle as FleetVehicle & PhoneCandidate), phoneCount, phonesFile(journal.file))
    : new Map<number, string>();
  if (phoneCount) console.log(`${phones.size} of them report as phones over the OsmAnd protocol (/api/osmand).`);
  const patrols: SimPatrol[] = enrolled.patrols.map((p) => {
    const { beat, ...home } = stationById.get(p.vehicle.homeStationId) ?? { lat: 9.98, lon: 76.3, beat: undefined };
    return {
      patrolId: p.patrolId,
      callSign: p.vehicle.callSign,
      token: p.token,
      home,
      beat,
      drive: startDrive(home, random, { beat }),
      lastMove: now,
      duty: "AVAILABLE",
      next: nextDutyChange("AVAILABLE", now, random),
      // One phone in four starts its shift nearly flat, so a low battery shows on the map.
      ...(phones.has(p.vehicle.id)
        ? { phone: { deviceId: phones.get(p.vehicle.id)!, battery: random() < 0.25 ? 12 + random() * 8 : 40 + random() * 60, since: now } }
        : {}),
    };
  });
  const speedingSpellMs = Math.max(SPEEDING_SPELL_MS, SPEEDING_SPELL_POINTS * intervalS * 1000);
  const fleet = new VehicleFleet(base, patrols, intervalS * 1000, {
    move: (p, at) => {
      const dtS = (at - p.lastMove) / 1000;
      if (at >= p.drive.speedingUntil && happens(speedingRate, dtS, random)) p.drive.speedingUntil = at + speedingSpellMs;
      // Not while parked on scene: the excursion would cut the job short.
      if (p.beat && !p.drive.straying && at >= p.drive.parkedUntil && happens(strayRate, dtS, random)) {
        const target = strayTarget(p.home, p.beat, random);
        if (target) p.drive = { ...p.drive, target, straying: true, parkedUntil: 0 };
      }
      p.drive = advance(p.drive, p.home, dtS, at, random, { beat: p.beat });
      p.lastMove = at;
      if (!p.phone) return p.drive;
      const battery = Math.max(1, p.phone.battery - (BATTERY_DRAIN_PER_HOUR * (at - p.phone.since)) / 3_600_000);
      return { ...p.drive, battery };
    },
    phone: (p) => p.phone?.deviceId,
  });
  const controlRoom = new ControlRoom(request, patrols, random, { sosEveryMin });
  fleet.start();
  controlRoom.start();
  console.log(`${patrols.length} patrols on the road, posting every ${intervalS}s. Ctrl-C stops them.`);

  let last = { sent: 0, accepted: 0, failed: 0 };
  const progress = setInterval(() => {
    const rate = (n: number) => (n / PROGRESS_EVERY_S).toFixed(1);
    const now = { sent: fleet.sent, accepted: fleet.accepted, failed: fleet.failed };
    console.log(
      `sent ${rate(now.sent - last.sent)}/s  accepted ${rate(now.accepted - last.accepted)}/s  errors ${rate(now.failed - last.failed)}/s  ` +
        `(total ${now.accepted} accepted, ${now.failed} errors)  status changes ${controlRoom.statusChanges}, SOS ${controlRoom.sosPressed}` +
        (now.failed > last.failed ? `  last error: ${fleet.lastFailure}` : "") +
        (controlRoom.failed ? `  control-room errors ${controlRoom.failed}, last: ${controlRoom.lastFailure}` : ""),
    );
    last = now;
  }, PROGRESS_EVERY_S * 1000);
  stopDriving = async () => {
    clearInterval(progress);
    await Promise.all([fleet.stop(), controlRoom.stop()]);
    await stopAll(enrolled.patrols);
  };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
