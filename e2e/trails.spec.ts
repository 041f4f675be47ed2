import { expect, test } from "@playwright/test";
import { Device, loadFleet, openMap, spareVehicles } from "./fleet";

/**
 * Trails on the live map: following a vehicle draws its last 15 minutes —
 * stored points from before the page opened included — and extends it with
 * each live position; the Trails switch draws every vehicle's last 5 minutes.
 */
test("following a vehicle draws its trail from the stored track and extends it live; the switch shows every trail", async ({ page }) => {
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  const mine = spareVehicles(vehicles, kdv.id);
  const followed = new Device(mine.at(-3)!);
  const other = new Device(mine.at(-4)!);
  try {
    const patrolId = await followed.start();
    const otherId = await other.start();
    // Six minutes of driving before anyone looks, a point a minute, as one batch (the device's backlog).
    const t0 = Date.now() - 6 * 60_000;
    await followed.reportBatch(Array.from({ length: 6 }, (_, i) => ({ ts: t0 + i * 60_000, lat: kdv.lat + i * 0.001, lon: kdv.lon })));
    await openMap(page, "station@sentinel.local");
    // The history writer stores points within moments: wait until the track has all six.
    await expect
      .poll(async () => ((await (await page.request.get(`/api/patrols/${patrolId}/track?from=${t0}`)).json()) as { points: unknown[] }).points.length)
      .toBe(6);

    const drawn = (id: number) => page.evaluate((pid) => window.__sentinelTrails?.drawnPoints(pid) ?? -1, id);
    expect(await drawn(patrolId)).toBe(0);
    await page.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"] .patrol-main`).click();
    await expect.poll(() => drawn(patrolId)).toBe(6);
    await followed.report(kdv.lat + 0.007, kdv.lon);
    await expect.poll(() => drawn(patrolId)).toBe(7);

    // Another vehicle's moves while the page is open: drawn once the switch is on.
    await other.report(kdv.lat, kdv.lon + 0.001);
    await expect.poll(() => page.evaluate((id) => window.__sentinelFleet?.getState().patrols.get(id)?.last?.lon, otherId)).toBe(kdv.lon + 0.001);
    await other.report(kdv.lat, kdv.lon + 0.002);
    await expect.poll(() => page.evaluate((id) => window.__sentinelFleet?.getState().patrols.get(id)?.last?.lon, otherId)).toBe(kdv.lon + 0.002);
    expect(await drawn(otherId)).toBe(0);
    await page.getByTestId("trails-toggle").check();
    await expect.poll(() => drawn(otherId)).toBe(2);
    await page.getByTestId("trails-toggle").uncheck();
    await expect.poll(() => drawn(otherId)).toBe(0);
    // The followed vehicle keeps its own trail whatever the switch says.
    expect(await drawn(patrolId)).toBe(7);
  } finally {
    await followed.stop();
    await other.stop();
  }
});
