import type { FleetAnswer, FleetRequest } from "./fleet";

/**
 * What the simulator does besides driving, so `npm run demo` shows a living control room (DESIGN §10): duty
 * statuses change over a shift, and now and then a vehicle presses its panic button. The schedule is pure
 * (`nextDutyChange`); `ControlRoom` posts it through the public vehicle API with each vehicle's token.
 */

/** A unit's duty status (DESIGN §10). */
export type DutyStatus = "AVAILABLE" | "EN_ROUTE" | "ON_SCENE" | "BUSY";

/** The order a unit goes through a job: dispatched, arrives, stays busy with it (paperwork, custody), free again. */
const NEXT_STATUS: Record<DutyStatus, DutyStatus> = { AVAILABLE: "EN_ROUTE", EN_ROUTE: "ON_SCENE", ON_SCENE: "BUSY", BUSY: "AVAILABLE" };

/**
 * Mean time in each status, in seconds: free 40 min between jobs, 6 min en route, 15 min on scene, 10 min busy —
 * a job every ~70 minutes, so a 200-vehicle demo sees about three status changes a minute.
 */
export const DUTY_DWELL_S: Record<DutyStatus, number> = { AVAILABLE: 2_400, EN_ROUTE: 360, ON_SCENE: 900, BUSY: 600 };

/** A status change due at `at` (epoch ms). */
export interface DutyChange {
  status: DutyStatus;
  at: number;
}

/**
 * The change that follows `status` (held since `since`, epoch ms): the next status of the job cycle, after an
 * exponentially distributed dwell with the status's mean (`dwellS`, default `DUTY_DWELL_S`), at least 30 s.
 */
export function nextDutyChange(status: DutyStatus, since: number, random: () => number, dwellS = DUTY_DWELL_S): DutyChange {
  const dwell = Math.max(30, -Math.log(1 - random()) * dwellS[status]);
  return { status: NEXT_STATUS[status], at: since + Math.round(dwell * 1_000) };
}

/** Whether an event at `ratePerHour` (a Poisson rate) happens within `dtS` seconds. */
export function happens(ratePerHour: number, dtS: number, random: () => number): boolean {
  return ratePerHour > 0 && random() < 1 - Math.exp((-ratePerHour * dtS) / 3_600);
}

/** A patrol the control room acts for: its id, call sign, device token and where it is. */
export interface ControlRoomPatrol {
  patrolId: number;
  callSign: string;
  token: string;
  drive: { lat: number; lon: number; parkedUntil: number };
  duty: DutyStatus;
  next: DutyChange;
}

/** Options of `ControlRoom`. */
export interface ControlRoomOptions {
  /** Minutes between SOS presses by one random vehicle; null (the default) never presses. */
  sosEveryMin?: number | null;
  /** One line per event worth a person's attention (an SOS, a feature the server lacks). Default: console.log. */
  say?: (line: string) => void;
}

/** Milliseconds between looks for due status changes: 1 s. */
const TICK_MS = 1_000;

/**
 * Posts duty status changes (`POST /api/patrols/{id}/status`) when they fall due and, with `sosEveryMin`, an
 * SOS (`POST /api/patrols/{id}/sos` with the vehicle's position) from a random vehicle every so often. A
 * server without these routes (404 with no JSON error: the route does not exist) is said once, and that part
 * is switched off; a JSON 404 (no such patrol) or any other refusal is counted in `failed` and the rest carries on.
 * An ON_SCENE vehicle parks until its next change.
 */
export class ControlRoom {
  statusChanges = 0;
  sosPressed = 0;
  failed = 0;
  lastFailure = "";
  private readonly unsupported = new Set<"status" | "sos">();
  private timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly request: FleetRequest,
    private readonly patrols: readonly ControlRoomPatrol[],
    private readonly random: () => number,
    private readonly opts: ControlRoomOptions = {},
  ) {}

  /** Starts the status clock and, when asked, the SOS clock. */
  start(): void {
    this.timers.push(setInterval(() => this.changeDueStatuses(Date.now()), TICK_MS));
    const sosEvery = this.opts.sosEveryMin;
    if (sosEvery) this.timers.push(setInterval(() => this.track(this.pressSos()), sosEvery * 60_000));
  }

  /** Stops both clocks; resolves once the requests in flight were answered. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await Promise.all(this.inFlight);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private changeDueStatuses(now: number): void {
    if (this.unsupported.has("status")) return;
    for (const patrol of this.patrols) {
      if (patrol.next.at > now) continue;
      const change = patrol.next;
      patrol.duty = change.status;
      patrol.next = nextDutyChange(change.status, now, this.random);
      if (change.status === "ON_SCENE") patrol.drive.parkedUntil = patrol.next.at;
      this.track(this.post("status", patrol, { status: change.status }, 200).then((ok) => void (ok && this.statusChanges++)));
    }
  }

  private async pressSos(): Promise<void> {
    if (this.unsupported.has("sos") || this.patrols.length === 0) return;
    const patrol = this.patrols[Math.floor(this.random() * this.patrols.length)]!;
    const at = { lat: +patrol.drive.lat.toFixed(6), lon: +patrol.drive.lon.toFixed(6) };
    const answer = await this.post("sos", patrol, at, 201);
    if (!answer) return;
    this.sosPressed++;
    this.say(`SOS pressed by ${patrol.callSign} at ${at.lat}, ${at.lon} (alert ${answer.body?.alertId ?? "?"}).`);
  }

  /** The answer when it had `expected` status; null otherwise (counted, or the route switched off). */
  private async post(route: "status" | "sos", patrol: ControlRoomPatrol, body: unknown, expected: number): Promise<FleetAnswer | null> {
    const answer = await this.request("POST", `/api/patrols/${patrol.patrolId}/${route}`, body, { authorization: `Bearer ${patrol.token}` });
    if (answer.status === expected) return answer;
    if (answer.status === 404 && !answer.body?.error) {
      if (!this.unsupported.has(route)) {
        this.unsupported.add(route);
        this.say(`This server has no POST /api/patrols/{id}/${route} (404): ${route === "status" ? "duty statuses" : "SOS presses"} are off for this run.`);
      }
      return null;
    }
    this.failed++;
    this.lastFailure = `${route} of ${patrol.callSign}: ${answer.status || answer.error} ${answer.body?.error?.message ?? ""}`.trim();
    return null;
  }

  private say(line: string): void {
    (this.opts.say ?? console.log)(line);
  }
}
