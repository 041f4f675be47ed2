import { expect, test } from "@playwright/test";
import { Device, loadFleet, openMap } from "./fleet";

test("the replay page finds a patrol, plays its track to the end and offers its downloads", async ({ page }) => {
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  // The last vehicle of the station: the live-map tests take theirs from the front of the fleet.
  const vehicle = vehicles.filter((v) => v.homeStationId === kdv.id).at(-1)!;
  const device = new Device(vehicle);
  const patrolId = await device.start();
  // Ten minutes of driving, a point a minute, heading north-east from the station.
  const t0 = Date.now() - 10 * 60_000;
  const track = Array.from({ length: 11 }, (_, i) => ({ ts: t0 + i * 60_000, lat: kdv.lat + i * 0.001, lon: kdv.lon + i * 0.001 }));
  try {
    // Sent as one batch: eleven single points in a second would meet the per-vehicle limit of 10/s.
    await device.reportBatch(track.map((p) => ({ ...p, speed: 8 })));
    await openMap(page, "station@sentinel.local");
    await page.getByRole("link", { name: "Replay" }).click();
    await page.waitForURL("**/replay");

    const option = page.locator(`[data-testid="replay-patrol"][data-patrol-id="${patrolId}"]`);
    await page.getByLabel("Filter by call sign").fill(vehicle.callSign);
    // The history writer stores points within moments; search again until all eleven are in.
    await expect(async () => {
      await page.getByRole("button", { name: "Search" }).click();
      await expect(option).toContainText("11 pts", { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await option.click();
    await expect(page.getByTestId("replay-call-sign")).toHaveText(vehicle.callSign);

    const clock = page.getByTestId("replay-time");
    await expect(clock).toHaveAttribute("data-ts", String(t0));
    await expect(clock).toHaveAttribute("data-lat", String(track[0]!.lat));
    // 10 minutes at 60× take 10 s; jump to the middle first, then play the rest.
    const slider = page.getByTestId("replay-slider");
    await slider.fill(String(t0 + 5 * 60_000));
    await expect(clock).toHaveAttribute("data-ts", String(t0 + 5 * 60_000));
    await expect(clock).toHaveAttribute("data-lat", String(track[5]!.lat));
    await page.getByTestId("replay-speed").selectOption("60");
    await page.getByTestId("replay-play").click();
    await expect(page.getByTestId("replay-play")).toHaveText("Pause");
    await expect.poll(async () => Number(await clock.getAttribute("data-ts")), { timeout: 3_000 }).toBeGreaterThan(t0 + 5 * 60_000 + 30_000);
    await expect(page.getByTestId("replay-play")).toHaveText("Play", { timeout: 15_000 });
    await expect(clock).toHaveAttribute("data-ts", String(track.at(-1)!.ts));
    await expect(clock).toHaveAttribute("data-lat", String(track.at(-1)!.lat));
    await expect(clock).toContainText("10:00 / 10:00");

    const gpxHref = await page.getByRole("link", { name: "GPX" }).getAttribute("href");
    const gpx = await page.request.get(gpxHref!);
    expect(gpx.headers()["content-type"]).toContain("application/gpx+xml");
    expect((await gpx.text()).match(/<trkpt /g)).toHaveLength(11);
    const csv = await page.request.get((await page.getByRole("link", { name: "CSV" }).getAttribute("href"))!);
    expect((await csv.text()).trim().split("\n")).toHaveLength(12);
  } finally {
    await device.stop();
  }
});
