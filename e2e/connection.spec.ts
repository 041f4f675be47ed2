import { expect, test } from "@playwright/test";
import { Device, loadFleet, openMap, spareVehicles } from "./fleet";

/**
 * The dashboard's own connection, honestly: cut off for 10 s, the badge leaves "Live" within 5 s and says when it
 * last heard the server; the vehicles' ages stand still meanwhile (a unit is not called stale because the
 * dashboard, not the unit, went quiet); back online, "Live" again, a notice names the gap, and the followed
 * unit's trail and position catch up with what it sent meanwhile.
 */
test("offline for 10 s: the badge says so within 5 s, ages freeze, and the gap is reported when the feed is back", async ({ browser }) => {
  test.setTimeout(60_000);
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  const device = new Device(spareVehicles(vehicles, kdv.id)[0]!);
  const context = await browser.newContext();
  const page = await context.newPage();
  const badge = page.getByTestId("connection-status");
  await openMap(page, "station@sentinel.local");
  try {
    const patrolId = await device.start();
    const row = page.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"]`);
    const freshnessOnMap = () => page.evaluate((id) => window.__sentinelVehicles?.markerOf(id)?.freshness ?? null, patrolId);
    // A fix 22 s old: live, but 8 s short of stale — without the pause, 10 s offline would turn it stale.
    await device.report(kdv.lat, kdv.lon, { ts: Date.now() - 22_000, speed: 5, heading: 90 });
    await expect(row).toHaveAttribute("data-status", "live");
    await row.locator(".patrol-main").click();
    await expect(page.getByTestId("follow-bar")).toBeVisible();
    const liveCount = await page.getByTestId("count-live").textContent();

    await context.setOffline(true);
    const cut = Date.now();
    await expect(badge).toContainText("Connection lost", { timeout: 5_000 });
    expect(Date.now() - cut).toBeLessThan(5_000);
    await expect(badge).toContainText(/last update \d{1,2}:\d{2}:\d{2}/);
    await expect(badge).not.toHaveAttribute("data-status", "live");
    await expect(page.getByTestId("ageing-frozen")).toBeVisible();

    // The crew keeps reporting; the cut-off dashboard hears none of it, and keeps calling the unit live.
    let lat = kdv.lat;
    while (Date.now() - cut < 10_000) {
      lat = +(lat + 0.0005).toFixed(5);
      await device.report(lat, kdv.lon, { speed: 5, heading: 0 });
      await page.waitForTimeout(2_000);
    }
    await expect(row).toHaveAttribute("data-lat", String(kdv.lat));
    await expect(row).toHaveAttribute("data-status", "live");
    expect(await freshnessOnMap()).toBe("live");
    await expect(page.getByTestId("count-live")).toHaveText(liveCount!);

    await context.setOffline(false);
    await expect(badge).toHaveAttribute("data-status", "live", { timeout: 15_000 });
    await expect(badge).toHaveText("Live");
    await expect(page.getByTestId("gap-notice")).toContainText(/Reconnected after \d+ s/);
    // What was sent meanwhile arrived with the new snapshot: the unit is where it is now, and still live.
    await expect(row).toHaveAttribute("data-lat", String(lat));
    await expect(row).toHaveAttribute("data-status", "live");
    expect(await freshnessOnMap()).toBe("live");
    await expect(page.getByTestId("count-live")).toHaveText(liveCount!);
    await expect(page.getByTestId("gap-notice")).toContainText("followed trail refilled");
  } finally {
    await device.stop();
    await context.close();
  }
});
