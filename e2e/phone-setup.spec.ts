import { expect, test, type Browser, type Page } from "@playwright/test";
import { TEST_SECRETS } from "../test/support/secrets";
import { expectNoSeriousViolations } from "./axe";
import { base, loadFleet, openMap } from "./fleet";

/**
 * "Any phone is a patrol unit" (DESIGN §11), as a person does it: an administrator sets up a phone for a new
 * Kadavanthra vehicle in the admin console (device id, server URL, QR code, the Traccar Client settings), the phone
 * reports through the OsmAnd protocol with 12 % battery, and the station commander's live map shows the unit appear
 * with "Low battery 12 %"; replacing the phone revokes the old id.
 */

// Unique per run, so a re-run against the same database never collides with an earlier one.
const RUN = Date.now().toString(36).toUpperCase().slice(-6);
const CALL_SIGN = `E2E-PHONE-${RUN}`;
/** 32 characters without look-alikes (no 0/o, 1/l) in 8 groups of 4. */
const DEVICE_ID = /^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){7}$/;

async function signedIn(browser: Browser, path: string, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(path);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(TEST_SECRETS.DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${path}$`));
  return page;
}

/** One OsmAnd point, as Traccar Client sends it (query form: speed in knots, battery in percent). */
async function osmandPoint(deviceId: string, at: { lat: number; lon: number }, batt: number): Promise<number> {
  const query = new URLSearchParams({
    id: deviceId,
    lat: String(at.lat),
    lon: String(at.lon),
    timestamp: String(Math.floor(Date.now() / 1000)),
    speed: "10",
    bearing: "90",
    batt: String(batt),
  });
  return (await fetch(`${base()}/api/osmand?${query}`)).status;
}

/** Reads the device id off the phone set-up dialog, keeps it ("stored another way") and closes the dialog. */
async function takeDeviceId(page: Page): Promise<string> {
  const dialog = page.getByRole("dialog", { name: `Set up a phone for ${CALL_SIGN}` });
  await expect(dialog).toBeVisible();
  const deviceId = await dialog.getByTestId("device-id").inputValue();
  expect(deviceId).toMatch(DEVICE_ID);
  await dialog.getByLabel("I have stored it another way").check();
  await dialog.getByRole("button", { name: "Done, the phone is set up" }).click();
  await expect(dialog).toBeHidden();
  return deviceId;
}

test("an admin sets up a phone for a vehicle; its OsmAnd points start a patrol the map shows with its low battery; replacing the phone revokes the old id", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const { stations } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  const admin = await signedIn(browser, "/admin/vehicles", "admin@sentinel.local");
  const created = await admin.request.post("/api/admin/vehicles", {
    data: { callSign: CALL_SIGN, registration: `KL-07-E2E-PHONE-${RUN}`, homeStationId: kdv.id },
  });
  expect(created.status()).toBe(201);
  let patrolId: number | null = null;
  try {
    // The new vehicle has no phone yet.
    await admin.reload();
    await admin.getByRole("searchbox", { name: "Search" }).fill(CALL_SIGN);
    const row = admin.getByRole("row").filter({ hasText: CALL_SIGN });
    await expect(row.getByRole("cell", { name: "No phone" })).toBeVisible();

    await row.getByRole("button", { name: `Set up a phone for ${CALL_SIGN}` }).click();
    const dialog = admin.getByRole("dialog", { name: `Set up a phone for ${CALL_SIGN}` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Copy" })).toBeFocused();
    const deviceId = await dialog.getByTestId("device-id").inputValue();
    expect(deviceId).toMatch(DEVICE_ID);

    // The server URL defaults to this page's address, which here is 127.0.0.1: the dialog says a phone cannot reach it.
    const serverUrl = dialog.getByRole("textbox", { name: "Server URL" });
    await expect(serverUrl).toHaveValue(`${base()}/api/osmand`);
    await expect(dialog.getByTestId("loopback-warning")).toHaveText(
      "A phone cannot reach localhost: use this computer's address on your network, e.g. http://192.168.1.20:3000",
    );
    await expect(serverUrl).toHaveAccessibleDescription(/A phone cannot reach localhost/);
    const qr = dialog.getByRole("img", { name: `QR code of the server URL with the device id of ${CALL_SIGN}` });
    await expect(qr).toBeVisible();
    await expect(qr).toHaveAttribute("data-text", `${base()}/api/osmand?id=${deviceId}`);
    expect(await qr.locator("path").getAttribute("d")).toMatch(/^M\d+ \d+h\d+/);
    await expectNoSeriousViolations(admin, "phone set-up dialog");

    // Given the computer's network address, the warning goes and the QR code, the settings and OsmAnd's address follow.
    const lan = "http://192.168.1.20:3000/api/osmand";
    await serverUrl.fill(lan);
    await expect(dialog.getByTestId("loopback-warning")).toBeHidden();
    await expect(qr).toHaveAttribute("data-text", `${lan}?id=${deviceId}`);
    const settings = dialog.getByTestId("traccar-settings");
    for (const [name, value] of [
      ["Device identifier", deviceId],
      ["Server URL", lan],
      ["Location accuracy", "High"],
      ["Frequency", "10 s"],
      ["Distance", "0"],
      ["Offline buffering", "On"],
    ]) {
      await expect(settings.locator("div").filter({ has: admin.locator("dt", { hasText: name! }) }).locator("dd")).toHaveText(value!);
    }
    await expect(dialog.getByTestId("osmand-url")).toHaveText(
      `${lan}?id=${deviceId}&lat={0}&lon={1}&timestamp={2}&hdop={3}&altitude={4}&speed={5}`,
    );
    await serverUrl.fill("192.168.1.20:3000");
    await expect(dialog.getByText("The server URL must be a web address starting with http:// or https://", { exact: false })).toBeVisible();
    await expect(qr).toBeHidden();
    await serverUrl.fill(lan);
    await expect(qr).toBeVisible();

    // The id is shown once: Esc asks before closing, and keeping it open shows the same id.
    await admin.keyboard.press("Escape");
    await expect(dialog.getByText("The device id is shown only once. Close without copying?")).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Keep it open" })).toBeFocused();
    await dialog.getByRole("button", { name: "Keep it open" }).click();
    await expect(dialog.getByTestId("device-id")).toHaveValue(deviceId);
    await dialog.getByLabel("I have stored it another way").check();
    await admin.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(admin.getByText(deviceId)).toHaveCount(0);
    await expect(row.getByTestId("phone-set-up")).toHaveText(/^Set up \d{1,2} \w{3,4} \d{4}, \d{2}:\d{2}$/);
    await expect(row.getByRole("button", { name: `Replace phone of ${CALL_SIGN}` })).toHaveText("Replace phone…");

    // The phone reports: its first point starts a patrol at Kadavanthra, which the station commander sees appear.
    const map = await (await browser.newContext()).newPage();
    await openMap(map, "station@sentinel.local");
    const at = { lat: +(kdv.lat + 0.0015).toFixed(5), lon: +(kdv.lon - 0.001).toFixed(5) };
    expect(await osmandPoint(deviceId, at, 12)).toBe(200);
    const unit = map.locator(`[data-testid="patrol-row"][data-call-sign="${CALL_SIGN}"]`);
    await expect(unit).toHaveAttribute("data-lat", String(at.lat));
    const started = Number(await unit.getAttribute("data-patrol-id"));
    patrolId = started;
    await expect(unit.getByTestId("patrol-battery")).toHaveText("Low battery 12 %");
    await expect(unit.locator(".battery-glyph.low")).toBeVisible();
    await expect(unit.getByRole("button", { name: new RegExp(`${CALL_SIGN}.*Low battery 12 %`) })).toBeVisible();
    await expectNoSeriousViolations(map, "live map with a low battery");
    await expect.poll(() => map.evaluate((id) => window.__sentinelVehicles?.markerOf(id)?.label ?? null, started)).toBe(`${CALL_SIGN}Low battery 12 %`);
    // Following it zooms to street level, where its label (call sign and battery) stays open on the map.
    await unit.locator(".patrol-main").click();
    await expect(map.locator(".leaflet-tooltip.vehicle-label").filter({ hasText: CALL_SIGN })).toContainText("Low battery 12 %");

    // Charged again, the row says so in plain words.
    expect(await osmandPoint(deviceId, { lat: at.lat + 0.0005, lon: at.lon }, 62)).toBe(200);
    await expect(unit.getByTestId("patrol-battery")).toHaveText("Battery 62 %");
    await expect(unit.locator(".battery-glyph.low")).toHaveCount(0);

    // Replacing the phone asks first; the new id works and the old one is unknown (404).
    await row.getByRole("button", { name: `Replace phone of ${CALL_SIGN}` }).click();
    const confirm = admin.getByRole("dialog", { name: `Replace the phone of ${CALL_SIGN}?` });
    await expect(confirm).toContainText("The phone set up before stops reporting");
    await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
    await confirm.getByRole("button", { name: "Replace phone" }).click();
    await expect(admin.getByRole("dialog", { name: `Set up a phone for ${CALL_SIGN}` })).toContainText("The phone set up before stops reporting");
    const newDeviceId = await takeDeviceId(admin);
    expect(newDeviceId).not.toBe(deviceId);
    expect(await osmandPoint(deviceId, at, 50)).toBe(404);
    expect(await osmandPoint(newDeviceId, at, 50)).toBe(200);
    await expect(unit.getByTestId("patrol-battery")).toHaveText("Battery 50 %");
  } finally {
    // Stop the patrol the phone started, so no other spec sees it.
    if (patrolId) expect((await admin.request.post(`/api/patrols/${patrolId}/stop`, { data: {} })).status()).toBe(200);
  }
});
