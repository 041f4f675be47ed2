import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";

const ADMIN = "admin@sentinel.local";
const STATION_COMMANDER = "station@sentinel.local";
const DEMO_PASSWORD = "sentinel-demo";

// Unique per run, so a re-run against the same database never collides with an earlier one.
const RUN = Date.now().toString(36).toUpperCase().slice(-6);
const STATION = { name: `E2E Station ${RUN}`, code: `E2E${RUN}`, lat: 9.9601, lon: 76.3002 };
const VEHICLE = { callSign: `E2E-${RUN}`, registration: `KL-07-E2E-${RUN}` };
const COMMANDER = { name: `E2E Chief ${RUN}`, email: `e2e.chief.${RUN.toLowerCase()}@example.org`, password: "e2e-long-password" };
// A demo division (seed `demo`) and the ancestors the new station must inherit from it.
const DIVISION = { code: "KOCHI-EKC", label: "Ernakulam Central sub-division (KOCHI-EKC)", name: "Ernakulam Central sub-division" };
const ZONE_NAME = "Zone 2 (Ernakulam)";
// Where the station moves to: another zone, so its copied zoneId must change.
const OTHER_DIVISION = { code: "KOCHI-TKK", label: "Thrikkakara sub-division (KOCHI-TKK)", name: "Thrikkakara sub-division", zoneName: "Zone 3 (Thrikkakara)" };
const DISTRICT_NAME = "Kochi City";

test.use({ viewport: { width: 1366, height: 768 } });

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** `GET /api/admin/{resource}` with the page's session; the items. */
async function adminList<T>(request: APIRequestContext, resource: string): Promise<T[]> {
  const res = await request.get(`/api/admin/${resource}`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { items: T[] }).items;
}

/** Whether `secret` gets vehicle `vehicleId` a device token. */
async function tokenStatus(request: APIRequestContext, vehicleId: number, secret: string): Promise<number> {
  return (await request.post("/api/vehicles/token", { data: { vehicleId, secret } })).status();
}

/** Reads the one-time secret dialog, checks Copy, closes it; returns the vehicle id and secret. */
async function takeSecret(page: Page, title: string): Promise<{ vehicleId: number; secret: string }> {
  const dialog = page.getByRole("dialog", { name: title });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("Shown only once");
  const secret = await dialog.getByTestId("device-secret").inputValue();
  expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  const vehicleId = Number(await dialog.getByTestId("secret-vehicle-id").textContent());
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(dialog.getByRole("status")).toHaveText("Copied to the clipboard.");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await dialog.getByRole("button", { name: "Done, I have stored it" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(secret)).toHaveCount(0);
  return { vehicleId, secret };
}

/** Signs `email` in, in a fresh browser context, at /admin; returns its page. */
async function commanderAtAdmin(browser: Browser, baseURL: string | undefined, email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin/);
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/admin$/);
  return page;
}

/** The 403 page instead of the console, and 403 from the admin API. */
async function expectRefused(page: Page) {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("403 — administrators only");
  await expect(page.getByText("You need an administrator account")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Admin sections" })).toHaveCount(0);
  await expect(page.getByRole("table")).toHaveCount(0);
  for (const path of ["/api/admin/stations", "/api/admin/users"]) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
  }
}

test.describe.serial("admin console", () => {
  test("an admin creates a station, a vehicle there and its station commander through the UI, and moves the station once its patrol ends", async ({ page, context, baseURL }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto("/admin/stations");
    await expect(page).toHaveURL(/\/login/);
    await signIn(page, ADMIN, DEMO_PASSWORD);
    await expect(page).toHaveURL(/\/admin\/stations$/);
    await expect(page.getByRole("heading", { level: 1, name: "Stations" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Stations" })).toHaveAttribute("aria-current", "page");

    // Dialogs take focus and give it back: Escape returns to the button that opened it.
    const newStation = page.getByRole("button", { name: "New station" });
    await newStation.click();
    const stationDialog = page.getByRole("dialog", { name: "New station" });
    await expect(stationDialog.getByLabel("Name", { exact: true })).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(stationDialog).toBeHidden();
    await expect(newStation).toBeFocused();

    // Station: the server's validation shows beside the fields, then a valid one is created.
    await newStation.click();
    await stationDialog.getByRole("button", { name: "Create station" }).click();
    await expect(stationDialog.getByTestId("form-error")).toHaveText("Please correct the fields marked below.");
    await expect(stationDialog.getByLabel("Name", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(stationDialog.getByText("Required.").first()).toBeVisible();

    await stationDialog.getByLabel("Name", { exact: true }).fill(STATION.name);
    await stationDialog.getByLabel("Code", { exact: true }).fill(STATION.code);
    await stationDialog.getByLabel("Division").selectOption({ label: DIVISION.label });
    // The tile-free picker sets the position from a click…
    await stationDialog.getByTestId("location-picker").click({ position: { x: 120, y: 90 } });
    await expect(stationDialog.getByLabel("Latitude")).not.toHaveValue("");
    await expect(stationDialog.getByLabel("Longitude")).not.toHaveValue("");
    // …and typed values win.
    await stationDialog.getByLabel("Latitude").fill(String(STATION.lat));
    await stationDialog.getByLabel("Longitude").fill(String(STATION.lon));
    await stationDialog.getByRole("button", { name: "Create station" }).click();
    await expect(stationDialog).toBeHidden();
    await expect(page.getByRole("status").filter({ hasText: "Created station" })).toHaveText(
      `Created station ${STATION.name} (${STATION.code}).`,
    );

    await page.getByLabel("Search").fill(STATION.code);
    const stationRow = page.getByRole("row").filter({ hasText: STATION.code });
    await expect(stationRow).toHaveCount(1);
    for (const text of [STATION.name, DIVISION.name, ZONE_NAME, DISTRICT_NAME]) await expect(stationRow).toContainText(text);

    // The API agrees, with zone and district copied from the division.
    const division = (await adminList<{ id: number; code: string; zoneId: number; districtId: number }>(page.request, "divisions")).find(
      (d) => d.code === DIVISION.code,
    )!;
    const station = (await adminList<Record<string, unknown> & { id: number; code: string }>(page.request, "stations")).find(
      (s) => s.code === STATION.code,
    )!;
    expect(station).toMatchObject({
      name: STATION.name,
      lat: STATION.lat,
      lon: STATION.lon,
      divisionId: division.id,
      zoneId: division.zoneId,
      districtId: division.districtId,
    });

    // Vehicle at that station: its device secret is shown once, and works.
    await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Vehicles" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Vehicles" })).toBeVisible();
    await page.getByRole("button", { name: "New vehicle" }).click();
    const vehicleDialog = page.getByRole("dialog", { name: "New vehicle" });
    await vehicleDialog.getByLabel("Call sign").fill(VEHICLE.callSign);
    await vehicleDialog.getByLabel("Registration").fill(VEHICLE.registration);
    await vehicleDialog.getByLabel("Home station").selectOption({ label: `${STATION.name} (${STATION.code})` });
    await vehicleDialog.getByRole("button", { name: "Create vehicle" }).click();
    await expect(vehicleDialog).toBeHidden();
    const created = await takeSecret(page, `Vehicle ${VEHICLE.callSign} created`);
    expect(await tokenStatus(page.request, created.vehicleId, created.secret)).toBe(200);

    await page.getByLabel("Search").fill(VEHICLE.callSign);
    const vehicleRow = page.getByRole("row").filter({ hasText: VEHICLE.callSign });
    await expect(vehicleRow).toContainText(`${STATION.name} (${STATION.code})`);
    await expect(vehicleRow).toContainText("Enabled");
    const vehicle = (await adminList<Record<string, unknown> & { id: number }>(page.request, "vehicles")).find((v) => v.id === created.vehicleId)!;
    expect(vehicle).toEqual({ id: created.vehicleId, callSign: VEHICLE.callSign, registration: VEHICLE.registration, homeStationId: station.id, enabled: true, deviceIdIssuedAt: null });

    // Rotating issues a new secret, once; the old one stops working.
    await vehicleRow.getByRole("button", { name: "Rotate secret" }).click();
    const confirm = page.getByRole("dialog", { name: `Rotate the secret of ${VEHICLE.callSign}?` });
    await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
    await confirm.getByRole("button", { name: "Rotate secret" }).click();
    const rotated = await takeSecret(page, `New secret for ${VEHICLE.callSign}`);
    expect(rotated.secret).not.toBe(created.secret);
    expect(await tokenStatus(page.request, created.vehicleId, created.secret)).toBe(401);
    expect(await tokenStatus(page.request, created.vehicleId, rotated.secret)).toBe(200);

    // A station commander scoped to the new station, chosen from the org tree.
    await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Users" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
    await page.getByRole("button", { name: "New user" }).click();
    const userDialog = page.getByRole("dialog", { name: "New user" });
    await userDialog.getByLabel("Name", { exact: true }).fill(COMMANDER.name);
    await userDialog.getByLabel("Email").fill(COMMANDER.email);
    await userDialog.getByLabel("Password").fill(COMMANDER.password);
    await expect(userDialog.getByLabel("Role")).toHaveValue("COMMANDER");
    await userDialog.getByLabel("Scope level").selectOption("station");
    await userDialog.getByLabel("Scope station").selectOption({ label: `${STATION.name} (${STATION.code})` });
    await userDialog.getByRole("button", { name: "Create user" }).click();
    await expect(userDialog).toBeHidden();

    await page.getByLabel("Search").fill(COMMANDER.email);
    const userRow = page.getByRole("row").filter({ hasText: COMMANDER.email });
    await expect(userRow).toContainText(COMMANDER.name);
    await expect(userRow).toContainText("Commander");
    await expect(userRow).toContainText(`Station · ${STATION.name} (${STATION.code})`);
    const user = (await adminList<Record<string, unknown> & { email: string }>(page.request, "users")).find((u) => u.email === COMMANDER.email)!;
    expect(user).toMatchObject({ name: COMMANDER.name, role: "COMMANDER", scopeLevel: "station", scopeId: station.id });
    expect(user).not.toHaveProperty("password");
    expect(user).not.toHaveProperty("passwordHash");

    // Moving the station is refused, with the API's reason, while its vehicle is on patrol; allowed once it stops.
    const tokenRes = await page.request.post("/api/vehicles/token", { data: { vehicleId: created.vehicleId, secret: rotated.secret } });
    const device = { authorization: `Bearer ${((await tokenRes.json()) as { token: string }).token}` };
    const start = await page.request.post("/api/patrols/start", { headers: device, data: {} });
    expect(start.status()).toBe(201);
    const { patrolId } = (await start.json()) as { patrolId: number };

    // That vehicle's patrol shows up, live, on the map of the station commander just created.
    const chiefContext = await page.context().browser()!.newContext({ baseURL });
    const chief = await chiefContext.newPage();
    await chief.goto("/login");
    await signIn(chief, COMMANDER.email, COMMANDER.password);
    await chief.waitForURL("**/map");
    await expect(chief.getByTestId("scope-name")).toHaveText(`Station ${STATION.name}`);
    await expect(chief.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"]`)).toContainText(VEHICLE.callSign);
    await chiefContext.close();

    await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Stations" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Stations" })).toBeVisible();
    await page.getByLabel("Search").fill(STATION.code);
    await page.getByRole("row").filter({ hasText: STATION.code }).getByRole("button", { name: /^Edit/ }).click();
    const editDialog = page.getByRole("dialog", { name: `Edit station ${STATION.name} (${STATION.code})` });
    await editDialog.getByLabel("Division").selectOption({ label: OTHER_DIVISION.label });
    await editDialog.getByRole("button", { name: "Save changes" }).click();
    await expect(editDialog.getByTestId("form-error")).toHaveText(
      `station ${station.id} has 1 active patrol(s); stop them before moving it to another parent.`,
    );
    await expect(editDialog.getByTestId("form-error")).toBeFocused();

    expect((await page.request.post(`/api/patrols/${patrolId}/stop`, { headers: device })).status()).toBe(200);
    await editDialog.getByRole("button", { name: "Save changes" }).click();
    await expect(editDialog).toBeHidden();
    await expect(stationRow).toContainText(OTHER_DIVISION.name);
    await expect(stationRow).toContainText(OTHER_DIVISION.zoneName);
    const otherDivision = (await adminList<{ id: number; code: string; zoneId: number; districtId: number }>(page.request, "divisions")).find(
      (d) => d.code === OTHER_DIVISION.code,
    )!;
    expect((await adminList<{ id: number }>(page.request, "stations")).find((s) => s.id === station.id)).toMatchObject({
      divisionId: otherDivision.id,
      zoneId: otherDivision.zoneId,
      districtId: otherDivision.districtId,
    });
    expect(otherDivision.zoneId).not.toBe(division.zoneId);

    // The new commander can sign in, and is refused the console.
    await expectRefused(await commanderAtAdmin(page.context().browser()!, baseURL, COMMANDER.email, COMMANDER.password));
  });

  test("a delete that something blocks shows the API's reason in the confirmation", async ({ page }) => {
    await page.goto("/admin/divisions");
    await signIn(page, ADMIN, DEMO_PASSWORD);
    await expect(page).toHaveURL(/\/admin\/divisions$/);
    await page.getByLabel("Search").fill(DIVISION.code);
    await page.getByRole("row").filter({ hasText: DIVISION.code }).getByRole("button", { name: /^Delete/ }).click();
    const confirm = page.getByRole("dialog", { name: `Delete division ${DIVISION.label}?` });
    await confirm.getByRole("button", { name: "Delete division" }).click();
    await expect(confirm.getByTestId("confirm-error")).toContainText(/^Ernakulam Central sub-division still has \d+ stations; move or delete them first\./);
    await confirm.getByRole("button", { name: "Close", exact: true }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByRole("row").filter({ hasText: DIVISION.code })).toHaveCount(1);
  });

  test("a station commander gets the 403 page at /admin and 403 from /api/admin/*", async ({ browser, baseURL }) => {
    const page = await commanderAtAdmin(browser, baseURL, STATION_COMMANDER, DEMO_PASSWORD);
    await expectRefused(page);
    const res = await page.goto("/admin/users");
    expect(res?.status()).toBe(403);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("403 — administrators only");
    await expect(page.getByText(COMMANDER.email)).toHaveCount(0);
  });
});
