import { test } from "@playwright/test";
import { CITY_VIEWPORT, Device, loadFleet, openMap, showMovingFleet } from "../fleet";

// `npm run docs:screenshots`: the README's picture of the live map, taken on the e2e stack (never by `npm test`).
test("docs/map.png: sixty moving vehicles on the city map", async ({ browser }) => {
  // Starting sixty patrols on a busy machine can outlast the e2e suite's 30 s per test.
  test.setTimeout(120_000);
  const { stations, vehicles } = await loadFleet();
  const fleet = vehicles.slice(0, 60).map((v) => new Device(v));
  const page = await (await browser.newContext({ viewport: CITY_VIEWPORT })).newPage();
  await openMap(page, "admin@sentinel.local");
  try {
    await showMovingFleet(page, fleet, stations);
    await page.screenshot({ path: "docs/map.png" });
  } finally {
    await Promise.all(fleet.map((d) => d.stop()));
  }
});
