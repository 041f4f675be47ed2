import { expect, test } from "@playwright/test";
import { Device, loadFleet, openMap, spareVehicles } from "./fleet";

test("the replay page finds a patrol, plays its track to the end and offers its downloads", async ({ page }) => {
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  const vehicle = spareVehicles(vehicles, kdv.id).at(-1)!;
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

test("a second patrol added to the replay plays on the same clock, each where it was at that moment", async ({ page }) => {
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  const mine = spareVehicles(vehicles, kdv.id);
  const first = new Device(mine.at(-5)!);
  const second = new Device(mine.at(-6)!);
  const t0 = Date.now() - 10 * 60_000;
  // The first drives north for ten minutes; the second east, from minute 2 to minute 7.
  const north = Array.from({ length: 11 }, (_, i) => ({ ts: t0 + i * 60_000, lat: +(kdv.lat + i * 0.001).toFixed(5), lon: kdv.lon }));
  const east = Array.from({ length: 6 }, (_, i) => ({ ts: t0 + (2 + i) * 60_000, lat: kdv.lat, lon: +(kdv.lon + i * 0.001).toFixed(5) }));
  try {
    await first.start();
    await second.start();
    await first.reportBatch(north);
    await second.reportBatch(east);
    await openMap(page, "station@sentinel.local");
    await page.goto("/replay");
    const row = (d: Device) => page.locator(`[data-testid="replay-patrol"][data-patrol-id="${d.patrolId}"]`);
    await expect(async () => {
      await page.getByRole("button", { name: "Search" }).click();
      await expect(row(first)).toContainText("11 pts", { timeout: 1_000 });
      await expect(row(second)).toContainText("6 pts", { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });

    await row(first).click();
    // By patrol: the same vehicle may have other patrols in the window (other specs drive it too).
    const addSecond = page.locator(`[data-testid="replay-add"][data-patrol-id="${second.patrolId}"]`);
    await expect(addSecond).toHaveAccessibleName(`Add ${second.vehicle.callSign} to the replay`);
    await addSecond.click();
    const legend = page.getByTestId("replay-legend");
    await expect(legend.locator("li")).toHaveCount(2);
    const entry = (d: Device) => legend.locator(`li[data-patrol-id="${d.patrolId}"]`);

    // Minute 4: the first at its fifth point, the second at its third.
    await page.getByTestId("replay-slider").fill(String(t0 + 4 * 60_000));
    await expect(entry(first)).toHaveAttribute("data-lat", String(north[4]!.lat));
    await expect(entry(second)).toHaveAttribute("data-lon", String(east[2]!.lon));
    await expect(page.getByTestId("replay-time")).toHaveAttribute("data-lat", String(north[4]!.lat));

    await page.getByRole("button", { name: `Remove ${second.vehicle.callSign} from the replay` }).click();
    await expect(legend).toHaveCount(0);
    await expect(page.getByTestId("replay-call-sign")).toHaveText(first.vehicle.callSign);
  } finally {
    await first.stop();
    await second.stop();
  }
});
