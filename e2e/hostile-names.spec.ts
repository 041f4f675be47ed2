import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { Device, loadFleet, openMap, type Station, type Vehicle } from "./fleet";

/**
 * Names are data, never markup: a call sign, station or user name an admin
 * typed (or that predates validation) reaches every map and the admin console
 * as text. The names below are stored straight into the database, as legacy
 * rows would be, so the test covers what input validation no longer lets in.
 */
const HOSTILE = {
  /** 32 characters, the call-sign limit: as markup it hid every marker of the map. */
  callSign: "<style>canvas{opacity:0}</style>",
  stationName: '<img src=x id=injected-img onerror="document.title=`pwned`">',
  /** Ends the inline script that carries the page's data, if anything prints it raw. */
  stationCode: "</script><b id=injected-b>x</b>",
  /** A right-to-left override must not reorder the text around it. */
  userName: "\u202Eeman resu</script><i id=injected-i>",
};

const ADMIN = "admin@sentinel.local";

let stations: Station[];
let vehicles: Vehicle[];
let db: pg.Client;

test.beforeAll(async () => {
  ({ stations, vehicles } = await loadFleet());
  db = new pg.Client({ connectionString: (JSON.parse(process.env.E2E_STACK_ENV!) as { DATABASE_URL: string }).DATABASE_URL });
  await db.connect();
});

test.afterAll(async () => {
  await db?.end();
});

/** Fails the test on any dialog (an injected `alert`) and collects page errors. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on("dialog", (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Nothing a hostile name could have added to the page is there, and nothing it could have restyled changed. */
async function expectPageUnchanged(page: Page, title: RegExp): Promise<void> {
  const state = await page.evaluate(() => ({
    injected: document.querySelectorAll("#injected-img, #injected-b, #injected-i, img[src='x']").length,
    hostileStyles: [...document.querySelectorAll("style")].filter((s) => s.textContent?.includes("opacity:0")).length,
    canvasOpacity: [...document.querySelectorAll("canvas")].map((c) => getComputedStyle(c).opacity),
    title: document.title,
  }));
  expect(state.injected).toBe(0);
  expect(state.hostileStyles).toBe(0);
  expect(state.canvasOpacity.every((o) => o === "1")).toBe(true);
  expect(state.title).toMatch(title);
}

test("hostile call signs, station and user names reach the map and the admin console as text", async ({ browser }) => {
  // A seeded vehicle no other spec drives (security-headers takes the last one), and its home station.
  const vehicle = vehicles.filter((v) => !v.callSign.startsWith("E2E-")).at(-2)!;
  const station = stations.find((s) => s.id === vehicle.homeStationId)!;
  const [original] = (
    await db.query<{ stationName: string; stationCode: string; userName: string }>(
      `SELECT s.name AS "stationName", s.code AS "stationCode", u.name AS "userName" FROM stations s, users u WHERE s.id = $1 AND u.email = $2`,
      [station.id, ADMIN],
    )
  ).rows;
  const device = new Device(vehicle);
  await db.query(`UPDATE vehicles SET "callSign" = $1 WHERE id = $2`, [HOSTILE.callSign, vehicle.id]);
  await db.query(`UPDATE stations SET name = $1, code = $2 WHERE id = $3`, [HOSTILE.stationName, HOSTILE.stationCode, station.id]);
  await db.query(`UPDATE users SET name = $1 WHERE email = $2`, [HOSTILE.userName, ADMIN]);
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  try {
    const page = await context.newPage();
    const errors = watch(page);
    const patrolId = await device.start();
    // Beside the station, so both are in view once the map follows the vehicle.
    await device.report(station.lat + 0.002, station.lon + 0.002, { speed: 5, heading: 90 });
    await openMap(page, ADMIN);

    // The sidebar and the top bar: text, each name isolated from the text around it.
    const row = page.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"]`);
    await expect(row.locator(".call-sign")).toHaveText(HOSTILE.callSign);
    await expect(row.locator(".station")).toHaveText(HOSTILE.stationName);
    const userName = page.getByTestId("user-name");
    await expect(userName).toHaveText(HOSTILE.userName);
    expect(await userName.evaluate((el) => el.tagName)).toBe("BDI");

    // Following the vehicle zooms in far enough for its call-sign label to be shown.
    await row.locator(".patrol-main").click();
    const label = page.locator(".leaflet-tooltip.vehicle-label");
    await expect(label).toHaveText(HOSTILE.callSign);
    expect(await label.locator("style, img, b, i, script").count()).toBe(0);

    // Hovering the station pin opens its tooltip: name and code as text.
    const pin = await page.evaluate(({ lat, lon }) => {
      const map = window.__sentinelMap!;
      const point = map.latLngToContainerPoint([lat, lon]);
      const box = map.getContainer().getBoundingClientRect();
      return { x: box.left + point.x, y: box.top + point.y };
    }, station);
    await page.mouse.move(pin.x, pin.y);
    const stationTip = page.locator(".leaflet-tooltip").filter({ hasText: HOSTILE.stationCode });
    await expect(stationTip).toHaveText(`${HOSTILE.stationName} (${HOSTILE.stationCode})`);
    expect(await stationTip.locator("style, img, b, i, script").count()).toBe(0);
    await expectPageUnchanged(page, /Live map/);

    // The admin console lists the same rows as text.
    await page.goto("/admin/vehicles");
    await expect(page.getByRole("cell", { name: HOSTILE.callSign, exact: true })).toBeVisible();
    await expectPageUnchanged(page, /Vehicles/);
    await page.goto("/admin/stations");
    await expect(page.getByRole("cell", { name: HOSTILE.stationName, exact: true })).toBeVisible();
    await expect(page.getByRole("cell", { name: HOSTILE.stationCode, exact: true })).toBeVisible();
    await expect(page.getByTestId("user-name")).toHaveText(HOSTILE.userName);
    await expectPageUnchanged(page, /Stations/);
    expect(errors).toEqual([]);
  } finally {
    await device.stop();
    await context.close();
    await db.query(`UPDATE vehicles SET "callSign" = $1 WHERE id = $2`, [vehicle.callSign, vehicle.id]);
    await db.query(`UPDATE stations SET name = $1, code = $2 WHERE id = $3`, [original!.stationName, original!.stationCode, station.id]);
    await db.query(`UPDATE users SET name = $1 WHERE email = $2`, [original!.userName, ADMIN]);
  }
});
