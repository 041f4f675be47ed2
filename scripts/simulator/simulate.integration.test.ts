import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashDeviceSecret } from "@/lib/auth/password";
import { prisma } from "@/lib/db";
import { seededVehicleSecret } from "@/lib/seed/seed";
import { baseUrl, call, DEMO, login, type UserClient } from "@/test/support/http";
import { runScript, type ScriptRun as Run } from "@/test/support/script-run";

/**
 * `npm run simulate` against a fleet that is not only the seeded one: a
 * station of its own holding, in id order, a vehicle an admin created (random
 * secret), a seeded vehicle whose secret an admin rotated, and four seeded
 * vehicles. The simulator must drive the four, say it skipped two, and leave
 * no active patrol without a driver, whether stopped or killed.
 */

/** Each test starts two or three simulators (a few seconds each, more on a loaded machine): 90 s. */
const RUN_TIMEOUT_MS = 90_000;
const RUN = randomBytes(3).toString("hex").toUpperCase();
const dir = mkdtempSync(path.join(os.tmpdir(), "sentinel-simulate-"));
const journal = path.join(dir, "journal.json");
let admin: UserClient;
let stationId: number;
/** The station's vehicles in id order: admin-created, rotated, then the four the simulator can drive. */
let fleet: Array<{ id: number; callSign: string }>;
const running = new Set<ChildProcess>();

/** `npm run simulate` on this suite's stack, driving `vehicles` vehicles of the test station. */
function simulate(vehicles: number, extra: string[] = []): Run {
  return runScript(
    "scripts/simulate.ts",
    ["--url", baseUrl(), "--vehicles", String(vehicles), "--interval", "0.3", "--station", String(stationId), "--journal", journal, ...extra],
    { env: { ...process.env, LOG_LEVEL: "silent" }, running },
  );
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, run?: Run, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}${run ? `; simulator output:\n${run.output()}` : ""}`);
}

/** Active patrols of the station's vehicles, vehicle id → patrol id. */
async function activePatrols(): Promise<Map<number, number>> {
  const rows = await prisma.patrol.findMany({ where: { status: "ACTIVE", vehicle: { homeStationId: stationId } }, select: { id: true, vehicleId: true } });
  return new Map(rows.map((r) => [r.vehicleId, r.id]));
}

/** Positions the live map shows for the station's patrols, patrol id → last ts. */
async function mapPositions(): Promise<Map<number, number>> {
  return new Map([...(await mapLast())].map(([id, last]) => [id, last?.ts ?? 0]));
}

/** Last positions the live map shows for the station's patrols, patrol id → last (or null). */
async function mapLast(): Promise<Map<number, { ts: number; battery?: number } | null>> {
  const res = await call("/api/patrols", { client: admin });
  const mine = (res.body.items as Array<{ patrolId: number; stationId: number; last: { ts: number; battery?: number } | null }>).filter(
    (p) => p.stationId === stationId,
  );
  return new Map(mine.map((p) => [p.patrolId, p.last]));
}

beforeAll(async () => {
  admin = await login(DEMO.admin);
  const division = (await call("/api/admin/divisions", { client: admin })).body.items[0] as { id: number };
  stationId = (await call("/api/admin/stations", { client: admin, body: { name: `Sim ${RUN}`, code: `SIM${RUN}`, lat: 9.97, lon: 76.29, divisionId: division.id } })).body
    .id as number;
  // Created through the admin console: a random secret the simulator is never told.
  const created = await call("/api/admin/vehicles", { client: admin, body: { callSign: `HX-${RUN}`, registration: `KL-HX-${RUN}`, homeStationId: stationId } });
  expect(created.status).toBe(201);
  fleet = [{ id: created.body.id as number, callSign: created.body.callSign as string }];
  // Seeded the way the seed does it: the secret follows the seed's rule.
  for (let i = 1; i <= 5; i++) {
    const callSign = `SIM${RUN}-0${i}`;
    const v = await prisma.vehicle.create({
      data: { callSign, registration: `KL-SIM-${RUN}-${i}`, homeStationId: stationId, secretHash: hashDeviceSecret(seededVehicleSecret(DEMO.password, callSign)) },
    });
    fleet.push({ id: v.id, callSign });
  }
  expect((await call(`/api/admin/vehicles/${fleet[1]!.id}/secret`, { client: admin, method: "POST" })).status).toBe(200);
});

afterAll(async () => {
  for (const child of running) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("npm run simulate --phones", () => {
  it("makes some units phones reporting over OsmAnd with a battery, and the next run reuses their device ids", async () => {
    const phonesFile = journal.replace(/\.json$/, "-phones.json");
    const issued = () => prisma.auditEvent.count({ where: { action: "vehicle.device_id", target: { in: fleet.map((v) => `vehicle:${v.id}`) } } });
    for (const round of [1, 2]) {
      const run = simulate(4, ["--phones", "2"]);
      await until("the fleet on the road", async () => run.output().includes("patrols on the road"), run);
      expect(run.output()).toContain("2 of them report as phones over the OsmAnd protocol");
      const batteries = await until("two phones with a battery on the map", async () => {
        const levels = [...(await mapLast()).values()].map((last) => last?.battery).filter((b) => b !== undefined);
        return levels.length === 2 && levels;
      }, run);
      for (const level of batteries) expect(level).toBeGreaterThanOrEqual(1);
      run.child.kill("SIGINT");
      expect(await run.exited).toBe(0);
      expect(await activePatrols()).toEqual(new Map());
      // Set up once: the second run uses the ids it kept (private to this user), issuing none.
      expect(await issued(), `round ${round}`).toBe(2);
      expect(Object.keys(JSON.parse(readFileSync(phonesFile, "utf8")) as object)).toHaveLength(2);
      expect(statSync(phonesFile).mode & 0o077).toBe(0);
    }
  }, RUN_TIMEOUT_MS);
});

describe("npm run simulate with vehicles it cannot authenticate", () => {
  it("drives the 4 it can, says it skipped 2, and stops every patrol it started on Ctrl-C", async () => {
    const run = simulate(5);
    await until("the fleet on the road", async () => run.output().includes("patrols on the road"), run);
    const out = run.output();
    expect(out).toContain(`Skipped 2 vehicles (${fleet[0]!.callSign}, ${fleet[1]!.callSign}) created outside the seed or whose secret was rotated`);
    expect(out).toContain("--credentials FILE");
    expect(out).toContain("Driving 4 of the 5 vehicles asked for");
    expect(out).not.toContain("token refused");

    const active = await activePatrols();
    expect([...active.keys()].sort((a, b) => a - b)).toEqual(fleet.slice(2).map((v) => v.id));
    // Cars move on the map: every patrol shows a position, and then a newer one.
    const first = await until("a position for every patrol", async () => {
      const seen = await mapPositions();
      return [...active.values()].every((id) => (seen.get(id) ?? 0) > 0) && seen;
    }, run);
    await until("newer positions", async () => {
      const seen = await mapPositions();
      return [...active.values()].every((id) => seen.get(id)! > first.get(id)!);
    }, run);

    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain("Stopping 4 patrols");
    expect(await activePatrols()).toEqual(new Map());
    expect(existsSync(journal)).toBe(false);
  }, RUN_TIMEOUT_MS);

  it("after a SIGKILL during start, the next run adopts the patrols of the vehicles it drives, stops the others, and no third runs beside it", async () => {
    const killed = simulate(5);
    // Killed as soon as the first patrol exists: others may be half-started.
    await until("a first patrol", async () => (await activePatrols()).size > 0, killed);
    killed.child.kill("SIGKILL");
    await killed.exited;
    // Starts the server was already handling when the simulator died still complete.
    await new Promise((r) => setTimeout(r, 1_000));
    const left = await activePatrols();
    expect(left.size).toBeGreaterThan(0);
    // The journal was written before any request: it names every vehicle the killed run may have started.
    const journaled = new Set((JSON.parse(readFileSync(journal, "utf8")) as { vehicleIds: number[] }).vehicleIds);
    for (const vehicleId of left.keys()) expect(journaled.has(vehicleId)).toBe(true);

    // The next run drives only 2: the first two it can authenticate.
    const next = simulate(2);
    await until("the fleet on the road", async () => next.output().includes("patrols on the road"), next);
    const driven = fleet.slice(2, 4).map((v) => v.id);
    const active = await activePatrols();
    expect([...active.keys()].sort((a, b) => a - b)).toEqual(driven);
    for (const vehicleId of driven) if (left.has(vehicleId)) expect(active.get(vehicleId)).toBe(left.get(vehicleId));
    const adopted = driven.filter((id) => left.has(id)).length;
    if (adopted) expect(next.output()).toContain(`Adopted ${adopted} patrol(s) already on the road`);
    const stopped = [...left.keys()].filter((id) => !driven.includes(id)).length;
    if (stopped) expect(next.output()).toContain(`Stopped ${stopped} patrol(s) a previous simulator run left on the road`);

    // A second simulator beside a live one would adopt and stop the same patrols: it refuses.
    const beside = simulate(1);
    expect(await beside.exited).toBe(1);
    expect(beside.output()).toContain(`Another simulator (pid ${next.child.pid}) is driving this server's fleet`);

    next.child.kill("SIGINT");
    expect(await next.exited).toBe(0);
    expect(await activePatrols()).toEqual(new Map());
    expect(existsSync(journal)).toBe(false);
  }, RUN_TIMEOUT_MS);

});
