import { expect, test } from "@playwright/test";
import { boundaryAround, CITY_VIEWPORT, Device, loadFleet, openMap, spareVehicles } from "../fleet";

// `npm run docs:screenshots`: the README's picture of an SOS on the live map (never taken by `npm test`).
test("docs/sos-banner.png: an SOS on the station commander's map", async ({ browser }) => {
  test.setTimeout(60_000);
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  // A few of Kadavanthra's units on duty around the one that calls for help, in different statuses.
  const fleet = spareVehicles(vehicles, kdv.id)
    .slice(0, 4)
    .map((v) => new Device(v));
  const statuses = [null, "EN_ROUTE", "ON_SCENE", "BUSY"];
  const page = await (await browser.newContext({ viewport: CITY_VIEWPORT })).newPage();
  const admin = await (await browser.newContext()).newPage();
  await openMap(admin, "admin@sentinel.local");
  // The station's jurisdiction on the map (the seed's own, or a rectangle where it has none).
  const boundary = kdv.boundary ?? boundaryAround(kdv);
  await admin.request.patch(`/api/admin/stations/${kdv.id}`, { data: { boundary } });
  await openMap(page, "station@sentinel.local");
  let alertId = 0;
  try {
    await Promise.all(fleet.map((d) => d.start()));
    await Promise.all(
      fleet.map(async (d, i) => {
        await d.report(+(kdv.lat + 0.0025 * Math.sin(i * 1.7)).toFixed(5), +(kdv.lon + 0.003 * Math.cos(i * 1.7)).toFixed(5), { speed: 4 + i, heading: (i * 80) % 360 });
        if (statuses[i]) await d.setStatus(statuses[i]!);
      }),
    );
    alertId = await fleet[0]!.sos();
    await expect(page.getByRole("alert").filter({ hasText: fleet[0]!.vehicle.callSign })).toBeVisible();
    await page.getByTestId("alerts-toggle").click();
    await expect(page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`)).toBeVisible();
    await expect.poll(() => page.evaluate((id) => window.__sentinelVehicles?.markerOf(id)?.alarm, fleet[0]!.patrolId)).toBe(true);
    // Leaflet redraws after the panel resized the map: let it settle before the picture.
    await page.waitForTimeout(500);
    await page.screenshot({ path: "docs/sos-banner.png" });
  } finally {
    if (alertId) await page.request.post(`/api/alerts/${alertId}/resolve`, { headers: { "content-type": "application/json" } }).catch(() => null);
    await Promise.all(fleet.map((d) => d.stop()));
    await admin.request.patch(`/api/admin/stations/${kdv.id}`, { data: { boundary: kdv.boundary ?? null } });
  }
});
