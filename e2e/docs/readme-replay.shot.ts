import { expect, test } from "@playwright/test";
import { CITY_VIEWPORT, Device, loadFleet, openMap } from "../fleet";

// `npm run docs:screenshots`: the README's picture of the replay page — a patrol's last ten minutes, paused midway.
test("docs/replay.png: a patrol's track on the replay page", async ({ browser }) => {
  test.setTimeout(60_000);
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  const device = new Device(vehicles.filter((v) => v.homeStationId === kdv.id).at(-1)!);
  const page = await (await browser.newContext({ viewport: CITY_VIEWPORT })).newPage();
  try {
    await device.start();
    // Ten minutes around the station, a point every 30 s: a loop north, east and back.
    const t0 = Date.now() - 10 * 60_000;
    const track = Array.from({ length: 21 }, (_, i) => {
      const angle = (i / 20) * 2 * Math.PI;
      return { ts: t0 + i * 30_000, lat: +(kdv.lat + 0.006 * Math.sin(angle)).toFixed(5), lon: +(kdv.lon + 0.009 * (1 - Math.cos(angle))).toFixed(5), speed: 9 };
    });
    await device.reportBatch(track.slice(0, 10));
    await device.reportBatch(track.slice(10));
    await openMap(page, "admin@sentinel.local");
    await page.goto("/replay");
    await page.getByLabel("Filter by call sign").fill(device.vehicle.callSign);
    const option = page.locator(`[data-testid="replay-patrol"][data-patrol-id="${device.patrolId}"]`);
    await expect(async () => {
      await page.getByRole("button", { name: "Search" }).click();
      await expect(option).toContainText("21 pts", { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await option.click();
    await page.getByTestId("replay-slider").fill(String(t0 + 6 * 60_000));
    await expect(page.getByTestId("replay-time")).toHaveAttribute("data-ts", String(t0 + 6 * 60_000));
    // The map fits the track with a zoom animation: let it end before the picture is taken.
    await page.waitForFunction(() => !document.querySelector(".leaflet-zoom-anim"));
    await page.waitForTimeout(1_000);
    await page.screenshot({ path: "docs/replay.png" });
  } finally {
    await device.stop();
  }
});
