import { expect, test, type Page } from "@playwright/test";
import { AGGREGATE_MAX_ZOOM, AGGREGATE_MIN_UNITS } from "../components/map/unit-aggregates";
import { CITY_VIEWPORT, Device, loadFleet, openMap, spareVehicles, type Station } from "./fleet";

/**
 * The map at city zoom with a large fleet: more units than `AGGREGATE_MIN_UNITS` on patrol across the city, and the
 * admin's city-wide map shows them as aggregates — one per station or group of nearby stations — whose counts add up
 * to every patrol on the map; an SOS stays in sight (on its aggregate and as its own ringed marker); clicking an
 * aggregate, or Enter on it, zooms in; past `AGGREGATE_MAX_ZOOM` every unit has its marker again.
 */

const aggregates = (page: Page) => page.locator('[data-testid="patrol-aggregate"]');
const zoomOf = (page: Page) => page.evaluate(() => window.__sentinelMap!.getZoom());
const markersDrawn = (page: Page) => page.locator("#live-map").getAttribute("data-markers").then(Number);
/** Patrols in the page's store with a position: what the map has to show. */
const patrolsOnMap = (page: Page) => page.evaluate(() => [...window.__sentinelFleet!.getState().patrols.values()].filter((p) => p.last).length);
/** The counts of the aggregates on the map, added up. */
const aggregated = (page: Page) => aggregates(page).evaluateAll((els) => els.reduce((sum, el) => sum + Number((el as HTMLElement).dataset.count), 0));
/** Shows the whole city, as the map opens: every station in view. */
const cityView = (page: Page, stations: Station[]) =>
  page.evaluate((points) => void window.__sentinelMap!.fitBounds(points, { padding: [40, 40], animate: false }), stations.map((s): [number, number] => [s.lat, s.lon]));

test("at city zoom the map counts units per station, keeps an SOS in sight, and zooms in to markers", async ({ browser }) => {
  test.setTimeout(120_000);
  const { stations, vehicles } = await loadFleet();
  // Kadavanthra's spare vehicles belong to the other specs; every other station lends its own.
  const fleet = stations
    .filter((s) => s.name !== "Kadavanthra")
    .flatMap((s) => spareVehicles(vehicles, s.id))
    .slice(0, AGGREGATE_MIN_UNITS + 10)
    .map((v) => new Device(v));
  expect(fleet.length).toBe(AGGREGATE_MIN_UNITS + 10);
  const page = await (await browser.newContext({ viewport: CITY_VIEWPORT })).newPage();
  let alertId = 0;
  try {
    for (let i = 0; i < fleet.length; i += 20) {
      await Promise.all(
        fleet.slice(i, i + 20).map(async (d, k) => {
          await d.start();
          const home = stations.find((s) => s.id === d.vehicle.homeStationId)!;
          const angle = (i + k) * 0.7;
          await d.report(+(home.lat + 0.003 * Math.sin(angle)).toFixed(5), +(home.lon + 0.003 * Math.cos(angle)).toFixed(5), { speed: 8, heading: 90 });
        }),
      );
    }
    await openMap(page, "admin@sentinel.local");
    await expect.poll(() => patrolsOnMap(page)).toBeGreaterThanOrEqual(fleet.length);
    const units = await patrolsOnMap(page);

    // The city view: aggregates only, adding up to every patrol on the map, each with a name a screen reader reads.
    await cityView(page, stations);
    expect(await zoomOf(page)).toBeLessThanOrEqual(AGGREGATE_MAX_ZOOM);
    await expect(aggregates(page).first()).toBeVisible();
    expect(await aggregates(page).count()).toBeLessThan(units);
    await expect.poll(() => aggregated(page)).toBe(units);
    expect(await markersDrawn(page)).toBe(0);
    await expect(page.getByRole("button", { name: /^\d+ patrols? at .+: \d+ available.*\. Zoom in\.$/ }).first()).toBeVisible();

    // An SOS: the map follows the unit (street level, its marker ringed); back at city zoom it is still in sight.
    const sos = fleet[Math.floor(fleet.length / 2)]!;
    alertId = await sos.sos();
    await expect(page.getByTestId("follow-bar")).toContainText(sos.vehicle.callSign);
    await page.getByTestId("stop-following").click();
    await cityView(page, stations);
    const sosAggregate = aggregates(page).and(page.locator('[data-sos="1"]'));
    await expect(sosAggregate).toHaveCount(1);
    await expect(sosAggregate).toBeVisible();
    await expect(sosAggregate).toContainText("SOS");
    await expect(sosAggregate).toHaveAttribute("aria-label", /1 SOS\./);
    // The unit keeps its own ringed marker, where it is; nothing else is drawn one by one.
    await expect.poll(() => page.evaluate((id) => window.__sentinelVehicles?.markerOf(id)?.alarm ?? null, sos.patrolId)).toBe(true);
    expect(await markersDrawn(page)).toBe(1);
    await expect.poll(() => aggregated(page)).toBe(units);

    // Clicking the SOS aggregate zooms in towards the unit.
    const before = await zoomOf(page);
    await sosAggregate.click();
    expect(await zoomOf(page)).toBeGreaterThan(before);
    const unitInView = await page.evaluate((id) => {
      const map = window.__sentinelMap!;
      const p = window.__sentinelFleet!.getState().patrols.get(id)!.last!;
      return map.getBounds().contains([p.lat, p.lon]);
    }, sos.patrolId);
    expect(unitInView).toBe(true);

    // From the keyboard: Enter on a focused aggregate zooms in too.
    await cityView(page, stations);
    const cityZoom = await zoomOf(page);
    const first = aggregates(page).first();
    await first.focus();
    await expect(first).toBeFocused();
    await page.keyboard.press("Enter");
    await expect.poll(() => zoomOf(page)).toBeGreaterThan(cityZoom);

    // Past the threshold, every unit has its own marker again and the counts are gone.
    await page.evaluate((z) => void window.__sentinelMap!.setZoom(z, { animate: false }), AGGREGATE_MAX_ZOOM + 1);
    await expect(aggregates(page)).toHaveCount(0);
    await expect.poll(() => markersDrawn(page)).toBe(units);
    const markers = await page.evaluate((ids) => ids.map((id) => window.__sentinelVehicles?.markerOf(id) !== null), fleet.map((d) => d.patrolId));
    expect(markers.every(Boolean)).toBe(true);
  } finally {
    if (alertId) await page.request.post(`/api/alerts/${alertId}/resolve`, { headers: { "content-type": "application/json" } }).catch(() => null);
    await Promise.all(fleet.map((d) => d.stop()));
    await page.context().close();
  }
});
