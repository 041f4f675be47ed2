import { expect, test, type Browser, type Page } from "@playwright/test";
import { startRealtime, type EnvVars } from "../test/support/stack";
import { CITY_VIEWPORT, Device, loadFleet, openMap, showMovingFleet, storePatrolIds, type Station, type Vehicle } from "./fleet";

let stations: Station[];
let vehicles: Vehicle[];
const used = new Set<number>();

test.beforeAll(async () => {
  ({ stations, vehicles } = await loadFleet());
});

const station = (name: string) => stations.find((s) => s.name === name)!;
/** Fresh devices whose home station satisfies `where` (each vehicle used once per run). */
function devices(count: number, where: (s: Station) => boolean): Device[] {
  const picked = vehicles.filter((v) => !used.has(v.id) && where(stations.find((s) => s.id === v.homeStationId)!)).slice(0, count);
  if (picked.length < count) throw new Error(`not enough vehicles for the test`);
  picked.forEach((v) => used.add(v.id));
  return picked.map((v) => new Device(v));
}

async function asUser(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await openMap(page, email);
  return page;
}

const row = (page: Page, patrolId: number) => page.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"]`);

test("a station and a zone commander see exactly their jurisdiction, live", async ({ browser }) => {
  const kdv = station("Kadavanthra");
  const stationPage = await asUser(browser, "station@sentinel.local");
  const zonePage = await asUser(browser, "zone@sentinel.local");
  const [mine] = devices(1, (s) => s.id === kdv.id);
  const [elsewhere] = devices(1, (s) => s.zoneId !== kdv.zoneId);
  try {
    const outside = await elsewhere!.start();
    const inside = await mine!.start();
    await mine!.report(9.9667, 76.2997, { speed: 10, heading: 90 });

    for (const page of [stationPage, zonePage]) {
      await expect(row(page, inside)).toHaveAttribute("data-lat", "9.9667");
      await expect(row(page, inside)).toContainText(mine!.vehicle.callSign);
      await expect(row(page, inside)).toContainText("36 km/h");
      expect(await storePatrolIds(page)).not.toContain(outside);
      await expect(row(page, outside)).toHaveCount(0);
    }

    // Telemetry moves the marker without a reload.
    await mine!.report(9.9701, 76.3012, { speed: 12, heading: 45 });
    for (const page of [stationPage, zonePage]) {
      await expect(row(page, inside)).toHaveAttribute("data-lat", "9.9701");
      await expect(row(page, inside)).toHaveAttribute("data-lon", "76.3012");
      await expect(row(page, inside)).toHaveAttribute("data-status", "live");
    }
    await expect(stationPage.getByTestId("patrol-count")).toHaveText(String((await storePatrolIds(stationPage)).length));

    await mine!.stop();
    for (const page of [stationPage, zonePage]) await expect(row(page, inside)).toHaveCount(0);
    expect(await storePatrolIds(stationPage)).toEqual([]);
    await expect(stationPage.getByTestId("patrol-count")).toHaveText("0");
  } finally {
    await mine!.stop();
    await elsewhere!.stop();
  }
});

test("a district commander sees several zones and an admin sees everything", async ({ browser }) => {
  const zones = [...new Set(stations.map((s) => s.zoneId))];
  expect(zones.length).toBeGreaterThanOrEqual(2);
  const fleet = zones.flatMap((zoneId) => devices(1, (s) => s.zoneId === zoneId));
  const district = await asUser(browser, "district@sentinel.local");
  const admin = await asUser(browser, "admin@sentinel.local");
  try {
    const ids = await Promise.all(fleet.map((d) => d.start()));
    for (const page of [district, admin]) {
      await expect.poll(() => storePatrolIds(page)).toEqual(expect.arrayContaining(ids));
      for (const id of ids) await expect(row(page, id)).toHaveCount(1);
    }
  } finally {
    await Promise.all(fleet.map((d) => d.stop()));
  }
});

test("the map rides out a sidecar restart: reconnecting, then live with its markers", async ({ browser }) => {
  const [device] = devices(1, (s) => s.name === "Kadavanthra");
  const page = await asUser(browser, "station@sentinel.local");
  const env = JSON.parse(process.env.E2E_STACK_ENV!) as EnvVars & { REALTIME_PORT: string };
  try {
    const id = await device!.start();
    await device!.report(9.9667, 76.2997);
    await expect(row(page, id)).toHaveAttribute("data-lat", "9.9667");

    process.kill(-Number(process.env.E2E_REALTIME_PID), "SIGKILL");
    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", /reconnecting|offline/);

    // Started with the stack's environment, which names the stack: the global teardown stops it too.
    const sidecar = await startRealtime(env);
    process.env.E2E_REALTIME_PID = String(sidecar.child.pid);

    await expect(page.getByTestId("connection-status")).toHaveAttribute("data-status", "live", { timeout: 20_000 });
    await expect(row(page, id)).toHaveAttribute("data-lat", "9.9667");
    await device!.report(9.968, 76.3);
    await expect(row(page, id)).toHaveAttribute("data-lat", "9.968");
  } finally {
    await device!.stop();
  }
});

test("sixty moving vehicles on the city map, all live", async ({ browser }) => {
  const fleet = devices(60, () => true);
  const page = await (await browser.newContext({ viewport: CITY_VIEWPORT })).newPage();
  await openMap(page, "admin@sentinel.local");
  try {
    await showMovingFleet(page, fleet, stations);
  } finally {
    await Promise.all(fleet.map((d) => d.stop()));
  }
});

test("a commander stops a patrol from the sidebar, after confirming in the page's own dialog", async ({ browser }) => {
  const [device] = devices(1, (s) => s.name === "Kadavanthra");
  const callSign = device!.vehicle.callSign;
  const page = await asUser(browser, "station@sentinel.local");
  // Never the browser's own confirm(): it names nothing and cannot take a reason.
  const nativeDialogs: string[] = [];
  page.on("dialog", (dialog) => {
    nativeDialogs.push(dialog.message());
    void dialog.dismiss();
  });
  try {
    const id = await device!.start();
    await device!.report(9.9667, 76.2997);
    const confirmStop = async () => {
      await row(page, id).getByRole("button", { name: `Actions for ${callSign}` }).click();
      await page.getByRole("menuitem", { name: "Stop patrol…" }).click();
      return page.getByRole("dialog", { name: `Stop patrol ${callSign}?` });
    };
    await (await confirmStop()).getByRole("button", { name: "Cancel" }).click();
    await expect(row(page, id)).toHaveCount(1);
    await (await confirmStop()).getByRole("button", { name: `Stop ${callSign}` }).click();
    await expect(row(page, id)).toHaveCount(0);
    await expect(page.getByText(`Patrol ${callSign} stopped.`)).toBeVisible();
    expect(nativeDialogs).toEqual([]);
  } finally {
    await device!.stop();
  }
});
