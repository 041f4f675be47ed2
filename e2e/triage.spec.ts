import { expect, test, type Page } from "@playwright/test";
import { TEST_SECRETS } from "../test/support/secrets";
import { signIn } from "../scripts/simulator/sign-in";
import { base, Device, loadFleet, openMap, spareVehicles, type Station, type Vehicle } from "./fleet";

/**
 * Triage on the live map as the Kadavanthra station commander: following stops with Esc, a button or arrow-key
 * panning; the list is one tab stop; the live/stale/offline counts and the search filter the list and the map
 * alike; rows do not move under the pointer; stopping a patrol asks first, names the unit and records a reason.
 */

let kdv: Station;
let mine: Vehicle[];

test.beforeAll(async () => {
  const { stations, vehicles } = await loadFleet();
  kdv = stations.find((s) => s.name === "Kadavanthra")!;
  mine = spareVehicles(vehicles, kdv.id);
});

const row = (page: Page, patrolId: number) => page.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"]`);
const markers = (page: Page) => page.locator("#live-map").getAttribute("data-markers").then(Number);
/** The list's order of the given patrols, top to bottom. */
const orderOf = (page: Page, ids: number[]) =>
  page.evaluate((wanted) => [...document.querySelectorAll<HTMLElement>("[data-testid=patrol-row]")].map((r) => Number(r.dataset.patrolId)).filter((id) => wanted.includes(id)), ids);
const mapCentre = (page: Page) => page.evaluate(() => window.__sentinelMap!.getCenter().lng);

test("Esc, the Stop following button and arrow-key panning stop following; the skip link and the list are the keyboard path", async ({ page }) => {
  const device = new Device(mine[0]!);
  try {
    await openMap(page, "station@sentinel.local");
    const patrolId = await device.start();
    await device.report(kdv.lat, kdv.lon, { speed: 5, heading: 90 });
    await expect(row(page, patrolId)).toHaveAttribute("data-status", "live");

    // The skip link is the page's first stop and lands on the map.
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to map" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.locator("#live-map")).toBeFocused();

    // One tab stop for the whole list; Enter on it follows.
    const list = page.getByTestId("patrol-list");
    await expect(list.locator("[tabindex='0']")).toHaveCount(1);
    await row(page, patrolId).locator(".patrol-main").focus();
    await page.keyboard.press("Enter");
    const bar = page.getByTestId("follow-bar");
    await expect(bar).toContainText(device.vehicle.callSign);
    await expect(row(page, patrolId).locator(".patrol-main")).toHaveAttribute("aria-pressed", "true");
    await page.keyboard.press("Escape");
    await expect(bar).toHaveCount(0);
    await expect(row(page, patrolId).locator(".patrol-main")).toHaveAttribute("aria-pressed", "false");

    await row(page, patrolId).locator(".patrol-main").click();
    await bar.getByRole("button", { name: /Stop following/ }).click();
    await expect(bar).toHaveCount(0);

    // Arrow keys on the map pan away, and the map stays where the user took it when the unit reports again.
    await row(page, patrolId).locator(".patrol-main").click();
    await expect(bar).toBeVisible();
    await page.locator("#live-map").focus();
    const before = await mapCentre(page);
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
    await expect(bar).toHaveCount(0);
    await expect.poll(() => mapCentre(page)).toBeGreaterThan(before);
    // Each key press animates its pan: wait until the map has come to rest where the user took it.
    let panned = await mapCentre(page);
    await expect
      .poll(async () => {
        const [was, now] = [panned, await page.waitForTimeout(300).then(() => mapCentre(page))];
        panned = now;
        return now === was;
      })
      .toBe(true);
    const north = +(kdv.lat + 0.0005).toFixed(5);
    await device.report(north, kdv.lon, { speed: 5, heading: 0 });
    await expect(row(page, patrolId)).toHaveAttribute("data-lat", String(north));
    await page.waitForTimeout(500);
    expect(await mapCentre(page)).toBeCloseTo(panned, 6);
  } finally {
    await device.stop();
  }
});

test("the counts and the search filter the list and the map; the header says n of m; an empty result says why", async ({ page }) => {
  const fleet = mine.slice(0, 3).map((v) => new Device(v));
  try {
    await openMap(page, "station@sentinel.local");
    const [fresh, stale, other] = await Promise.all(fleet.map((d) => d.start()));
    await fleet[0]!.report(kdv.lat, kdv.lon + 0.001, { speed: 5 });
    await fleet[1]!.report(kdv.lat, kdv.lon + 0.002, { speed: 5, ts: Date.now() - 45_000 });
    await fleet[2]!.report(kdv.lat, kdv.lon + 0.003, { speed: 5 });
    await expect(row(page, stale!)).toHaveAttribute("data-status", "stale");
    await expect(row(page, fresh!)).toHaveAttribute("data-status", "live");
    const total = (await page.evaluate(() => window.__sentinelFleet!.getState().patrols.size)) as number;
    await expect(page.getByTestId("patrol-count")).toHaveText(String(total));
    await expect.poll(() => markers(page)).toBe(total);

    const staleCount = page.getByTestId("count-stale");
    await staleCount.click();
    await expect(staleCount).toHaveAttribute("aria-pressed", "true");
    await expect(row(page, stale!)).toHaveCount(1);
    await expect(row(page, fresh!)).toHaveCount(0);
    await expect(row(page, other!)).toHaveCount(0);
    const staleRows = await page.getByTestId("patrol-row").count();
    await expect(page.getByTestId("patrol-count")).toHaveText(`${staleRows} of ${total}`);
    await expect.poll(() => markers(page)).toBe(staleRows);
    await staleCount.click();
    await expect(staleCount).toHaveAttribute("aria-pressed", "false");
    await expect(row(page, fresh!)).toHaveCount(1);

    // The search narrows the map too: one call sign, one row, one marker.
    await page.getByTestId("patrol-search").fill(fleet[2]!.vehicle.callSign);
    await expect(page.getByTestId("patrol-row")).toHaveCount(1);
    await expect(row(page, other!)).toHaveCount(1);
    await expect(page.getByTestId("patrol-count")).toHaveText(`1 of ${total}`);
    await expect.poll(() => markers(page)).toBe(1);

    await page.getByTestId("patrol-search").fill("no-such-unit");
    await expect(page.getByTestId("empty-filter")).toContainText("No patrol matches “no-such-unit”");
    await expect(page.getByTestId("patrol-count")).toHaveText(`0 of ${total}`);
    await expect.poll(() => markers(page)).toBe(0);
    await page.getByTestId("empty-filter").getByRole("button", { name: "Clear search" }).click();
    await expect(page.getByTestId("patrol-search")).toHaveValue("");
    await expect(page.getByTestId("patrol-count")).toHaveText(String(total));
    await expect.poll(() => markers(page)).toBe(total);
  } finally {
    await Promise.all(fleet.map((d) => d.stop()));
  }
});

test("sorted by speed, rows hold still while the pointer is over the list and re-sort once it leaves", async ({ page }) => {
  test.setTimeout(60_000);
  const fleet = mine.slice(0, 3).map((v) => new Device(v));
  try {
    await openMap(page, "station@sentinel.local");
    const ids = await Promise.all(fleet.map((d) => d.start()));
    const speeds = [2, 6, 10];
    await Promise.all(fleet.map((d, i) => d.report(kdv.lat, kdv.lon + 0.001 * i, { speed: speeds[i] })));
    await expect(row(page, ids[2]!)).toContainText("36 km/h");
    await page.getByTestId("patrol-sort").selectOption("speed");
    await expect.poll(() => orderOf(page, ids)).toEqual([ids[2], ids[1], ids[0]]);

    const list = (await page.getByTestId("patrol-list").boundingBox())!;
    await page.mouse.move(list.x + list.width / 2, list.y + 10);
    // The slowest becomes the fastest and the other way round: the list shows the speeds, not a new order.
    await fleet[0]!.report(kdv.lat, kdv.lon, { speed: 20 });
    await fleet[2]!.report(kdv.lat, kdv.lon + 0.002, { speed: 1 });
    await expect(row(page, ids[0]!)).toContainText("72 km/h");
    await expect(row(page, ids[2]!)).toContainText("4 km/h");
    await page.waitForTimeout(6_000);
    expect(await orderOf(page, ids)).toEqual([ids[2], ids[1], ids[0]]);

    // The pointer leaves: the next re-sort (every 5 s) brings the new order.
    const map = (await page.locator("#live-map").boundingBox())!;
    await page.mouse.move(map.x + map.width / 2, map.y + map.height / 2);
    await expect.poll(() => orderOf(page, ids), { timeout: 8_000 }).toEqual([ids[0], ids[1], ids[2]]);
  } finally {
    await Promise.all(fleet.map((d) => d.stop()));
  }
});

test("stopping a patrol asks first, names the unit, starts on Cancel, and records the reason", async ({ page }) => {
  const device = new Device(mine[0]!);
  const callSign = device.vehicle.callSign;
  const reason = "Crew relieved by the night shift";
  try {
    await openMap(page, "station@sentinel.local");
    const patrolId = await device.start();
    await device.report(kdv.lat, kdv.lon);
    const openDialog = async () => {
      await row(page, patrolId).getByRole("button", { name: `Actions for ${callSign}` }).click();
      await page.getByRole("menuitem", { name: "Stop patrol…" }).click();
      const dialog = page.getByRole("dialog", { name: `Stop patrol ${callSign}?` });
      await expect(dialog).toBeVisible();
      return dialog;
    };

    let dialog = await openDialog();
    await expect(dialog).toContainText(`${callSign} (Kadavanthra)`);
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    // Enter on the focused Cancel closes it: nothing stopped.
    await page.keyboard.press("Enter");
    await expect(dialog).toHaveCount(0);
    await expect(row(page, patrolId)).toHaveCount(1);
    // The unit is still on patrol: its next report is accepted and shown.
    const north = +(kdv.lat + 0.001).toFixed(5);
    await device.report(north, kdv.lon);
    await expect(row(page, patrolId)).toHaveAttribute("data-lat", String(north));

    dialog = await openDialog();
    await dialog.getByLabel("Reason (optional)").fill(reason);
    await dialog.getByRole("button", { name: `Stop ${callSign}` }).click();
    await expect(dialog).toHaveCount(0);
    await expect(row(page, patrolId)).toHaveCount(0);
    await expect(page.getByText(`Patrol ${callSign} stopped.`)).toBeVisible();

    // The audit log has the stop, by the station commander, with the reason.
    const cookie = await signIn(base(), "admin@sentinel.local", TEST_SECRETS.DEMO_PASSWORD);
    const audit = (await (await fetch(`${base()}/api/admin/audit?action=patrol.stop&limit=20`, { headers: { cookie } })).json()) as {
      items: { email: string | null; target: string | null; detail: unknown }[];
    };
    const entry = audit.items.find((e) => e.target === `patrol:${patrolId}` && e.email === "station@sentinel.local");
    expect(entry, JSON.stringify(audit.items.slice(0, 3))).toBeDefined();
    expect(JSON.stringify(entry)).toContain(reason);
  } finally {
    await device.stop();
  }
});
