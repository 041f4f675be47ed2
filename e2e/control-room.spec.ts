import { randomBytes } from "node:crypto";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { TEST_SECRETS } from "../test/support/secrets";
import { Device, loadFleet, openMap, spareVehicles } from "./fleet";

/**
 * The control room on the live map, in three browsers at once: Kadavanthra's station commander, the city
 * administrator and the commander of another zone. A Kadavanthra unit changes duty status (from the device, from
 * "Nearest units here" and from the sidebar) and every covering map's marker badge follows; it presses SOS and
 * the station and the city see the banner, hear the alarm and centre on it while the other zone sees nothing;
 * one acknowledges, both see it; the other resolves, it leaves both panels.
 */

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await openMap(page, email);
  return page;
}

const row = (page: Page, patrolId: number) => page.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"]`);
const badgeOf = (page: Page, patrolId: number) => page.evaluate((id) => window.__sentinelVehicles?.markerOf(id)?.badge ?? null, patrolId);
const alarmOf = (page: Page, patrolId: number) => page.evaluate((id) => window.__sentinelVehicles?.markerOf(id)?.alarm ?? null, patrolId);
const mapCentre = (page: Page) =>
  page.evaluate(() => {
    const c = window.__sentinelMap!.getCenter();
    return { lat: c.lat, lon: c.lng };
  });
/** Right-clicks the map at a place (its pixel on this page's map). */
async function rightClickAt(page: Page, lat: number, lon: number): Promise<void> {
  const p = await page.evaluate(([la, lo]) => window.__sentinelMap!.latLngToContainerPoint([la!, lo!]), [lat, lon]);
  const box = (await page.locator(".live-map.leaflet-container").boundingBox())!;
  await page.mouse.click(box.x + p.x, box.y + p.y, { button: "right" });
}

test("status, SOS and alerts reach exactly the covering dashboards, live, and ack/resolve show everywhere", async ({ browser }) => {
  test.setTimeout(90_000);
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  const otherZoneId = stations.find((s) => s.zoneId !== kdv.zoneId)!.zoneId;
  const device = new Device(spareVehicles(vehicles, kdv.id).at(-7)!);
  const callSign = device.vehicle.callSign;

  const admin = await signedIn(browser, "admin@sentinel.local");
  const email = `zone-${randomBytes(3).toString("hex")}@control-room.test`;
  const created = await admin.request.post("/api/admin/users", {
    data: { email, name: "Other zone chief", password: TEST_SECRETS.DEMO_PASSWORD, role: "COMMANDER", scopeLevel: "zone", scopeId: otherZoneId },
  });
  expect(created.status()).toBe(201);
  const userId = ((await created.json()) as { id: number }).id;
  const station = await signedIn(browser, "station@sentinel.local");
  const otherZone = await signedIn(browser, email);
  const covering = [station, admin];
  let alertId = 0;
  try {
    // The seed gives Kadavanthra its jurisdiction: the station commander's map draws exactly that one.
    expect(kdv.boundary).toBeTruthy();
    expect(await station.evaluate(() => window.__sentinelBoundaries)).toBe(1);
    const patrolId = await device.start();
    const at = { lat: +(kdv.lat + 0.002).toFixed(4), lon: +(kdv.lon + 0.001).toFixed(4) };
    await device.report(at.lat, at.lon, { speed: 5, heading: 90 });
    for (const page of covering) {
      await expect(row(page, patrolId)).toHaveAttribute("data-lat", String(at.lat));
      await expect(row(page, patrolId)).toHaveAttribute("data-duty", "AVAILABLE");
      await expect.poll(() => badgeOf(page, patrolId)).toBe("A");
    }

    // The station commander right-clicks near the unit: it is listed, available, with its distance, and sent.
    await rightClickAt(station, at.lat + 0.003, at.lon);
    const nearest = station.getByTestId("nearest-panel");
    await expect(nearest.getByRole("heading", { name: "Nearest units here" })).toBeVisible();
    const unit = nearest.locator(`[data-testid="nearest-unit"][data-patrol-id="${patrolId}"]`);
    await expect(unit).toContainText(callSign);
    await expect(unit).toContainText("Available");
    await expect(unit).toContainText(/\d{3} m/);
    await unit.getByRole("button", { name: `Send ${callSign} (EN_ROUTE)` }).click();
    for (const page of covering) {
      await expect(row(page, patrolId)).toHaveAttribute("data-duty", "EN_ROUTE");
      await expect.poll(() => badgeOf(page, patrolId)).toBe("R");
    }
    await nearest.getByRole("button", { name: "Close nearest units" }).click();
    await expect(nearest).toHaveCount(0);

    // The device reports it is on scene; the admin sets it busy from the sidebar; the other browser follows each.
    await device.setStatus("ON_SCENE");
    await expect.poll(() => badgeOf(admin, patrolId)).toBe("S");
    await expect.poll(() => badgeOf(station, patrolId)).toBe("S");
    await row(admin, patrolId).getByLabel(`Status of ${callSign}`).selectOption("BUSY");
    await expect.poll(() => badgeOf(station, patrolId)).toBe("B");
    await expect(row(station, patrolId)).toHaveAttribute("data-duty", "BUSY");
    // The status filter: Busy lists it, Available does not.
    await station.getByTestId("duty-filter-AVAILABLE").click();
    await expect(row(station, patrolId)).toHaveCount(0);
    await station.getByTestId("duty-filter-BUSY").click();
    await expect(row(station, patrolId)).toHaveCount(1);
    await expect(station.getByTestId("duty-filter-BUSY")).toContainText("1");
    await station.getByTestId("duty-filter-all").click();

    // Both covering maps look elsewhere first, so the centring below is the SOS's doing.
    for (const page of covering) await page.evaluate(() => window.__sentinelMap!.setView([10.05, 76.35], 12, { animate: false }));

    // SOS: a banner naming the unit, the alarm, the map centred on the unit, its marker ringed.
    alertId = await device.sos();
    for (const page of covering) {
      const banner = page.getByRole("alert").filter({ hasText: callSign });
      await expect(banner).toBeVisible();
      await expect(banner).toContainText("SOS");
      await expect(banner).toContainText("raised at");
      await expect(page.getByTestId("sos-audio")).toHaveAttribute("src", "/sounds/sos-alarm.wav");
      await expect.poll(async () => Math.abs((await mapCentre(page)).lat - at.lat) + Math.abs((await mapCentre(page)).lon - at.lon)).toBeLessThan(0.001);
      await expect.poll(() => alarmOf(page, patrolId)).toBe(true);
      await expect.poll(() => page.evaluate((id) => window.__sentinelFleet?.getState().alerts.get(id)?.state, alertId)).toBe("OPEN");
    }
    // The other zone: the frame reached the covering maps above, and nothing of it reached this one.
    expect(await otherZone.evaluate((id) => window.__sentinelFleet?.getState().alerts.has(id), alertId)).toBe(false);
    await expect(otherZone.getByTestId("sos-banner")).toHaveCount(0);
    await expect(otherZone.getByTestId("sos-audio")).toHaveCount(0);
    await expect(row(otherZone, patrolId)).toHaveCount(0);

    // The station commander acknowledges: the banner and the alarm go from both maps; both panels say acknowledged.
    await station.getByRole("button", { name: `Acknowledge the SOS of ${callSign}` }).click();
    for (const page of covering) {
      await expect(page.getByTestId("sos-banner")).toHaveCount(0);
      await expect(page.getByTestId("sos-audio")).toHaveCount(0);
      await page.getByTestId("alerts-toggle").click();
      const item = page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`);
      await expect(item).toHaveAttribute("data-state", "ACKNOWLEDGED");
      await expect(item).toContainText("Acknowledged by");
      await expect(item).toContainText(callSign);
    }

    // The admin resolves it from the panel: it leaves both panels (the ring goes with it).
    await admin.getByRole("button", { name: `Resolve the SOS alert of ${callSign}` }).click();
    for (const page of covering) {
      await expect(page.locator(`[data-testid="alert-item"][data-alert-id="${alertId}"]`)).toHaveCount(0);
      await expect.poll(() => alarmOf(page, patrolId)).toBe(false);
    }
  } finally {
    if (alertId) await admin.request.post(`/api/alerts/${alertId}/resolve`, { headers: { "content-type": "application/json" } }).catch(() => null);
    await device.stop();
    await admin.request.delete(`/api/admin/users/${userId}`, { headers: { "content-type": "application/json" } });
    for (const page of [station, admin, otherZone]) await page.context().close();
  }
});
