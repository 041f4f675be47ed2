import { expect, test } from "@playwright/test";
import { CITY_VIEWPORT, Device, loadFleet, openMap, spareVehicles } from "../fleet";

// `npm run docs:screenshots`: the README's picture of the live map cut off from the server (never taken by `npm test`).
test("docs/connection-lost.png: the station commander's map while its connection is lost", async ({ browser }) => {
  test.setTimeout(60_000);
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  // Kadavanthra's units: three reporting, one 45 s quiet (stale), one 3 min quiet (offline).
  const fleet = spareVehicles(vehicles, kdv.id)
    .slice(0, 5)
    .map((v) => new Device(v));
  const ages = [0, 0, 0, 45_000, 180_000];
  const context = await browser.newContext({ viewport: CITY_VIEWPORT });
  const page = await context.newPage();
  await openMap(page, "station@sentinel.local");
  try {
    await Promise.all(fleet.map((d) => d.start()));
    await Promise.all(
      fleet.map((d, i) =>
        d.report(+(kdv.lat + 0.003 * Math.sin(i * 1.3)).toFixed(5), +(kdv.lon + 0.0035 * Math.cos(i * 1.3)).toFixed(5), {
          speed: 3 + 2 * i,
          heading: (i * 70) % 360,
          ts: Date.now() - ages[i]!,
        }),
      ),
    );
    await expect(page.getByTestId("count-offline")).toHaveText("1 offline");
    await page.locator(`[data-testid="patrol-row"][data-call-sign="${fleet[1]!.vehicle.callSign}"] .patrol-main`).click();
    await context.setOffline(true);
    await expect(page.getByTestId("connection-status")).toContainText("Connection lost");
    await page.waitForTimeout(1_000);
    await page.screenshot({ path: "docs/connection-lost.png" });
  } finally {
    await context.setOffline(false);
    await Promise.all(fleet.map((d) => d.stop()));
  }
});
