import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { TEST_SECRETS } from "../test/support/secrets";
import { Device, loadFleet, openMap, spareVehicles } from "./fleet";

/**
 * Access follows the organisation while the map is open: an admin narrows a
 * zone commander to one station in the admin console, and the commander's
 * map — in another browser, never reloaded — drops the rest of the zone;
 * disabling the account sends that map to the login page, saying why.
 */
test("an admin narrows a zone commander in the console and the commander's open map follows, then disabling ends it", async ({ browser }) => {
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  const neighbour = stations.find((s) => s.zoneId === kdv.zoneId && s.id !== kdv.id && vehicles.some((v) => v.homeStationId === s.id))!;
  const kept = new Device(spareVehicles(vehicles, kdv.id).at(-2)!);
  const lost = new Device(spareVehicles(vehicles, neighbour.id).at(-1)!);

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await openMap(admin, "admin@sentinel.local");
  const email = `zone-${randomBytes(3).toString("hex")}@access.test`;
  const name = "Zone chief";
  const created = await admin.request.post("/api/admin/users", {
    data: { email, name, password: TEST_SECRETS.DEMO_PASSWORD, role: "COMMANDER", scopeLevel: "zone", scopeId: kdv.zoneId },
  });
  expect(created.status()).toBe(201);
  const userId = ((await created.json()) as { id: number }).id;

  const chiefContext = await browser.newContext();
  const chief = await chiefContext.newPage();
  try {
    const keptId = await kept.start();
    const lostId = await lost.start();
    await kept.report(kdv.lat, kdv.lon);
    await lost.report(neighbour.lat, neighbour.lon);
    await openMap(chief, email);
    const row = (patrolId: number) => chief.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"]`);
    await expect(row(keptId)).toBeVisible();
    await expect(row(lostId)).toBeVisible();
    // Marks this document: if the page reloaded, the mark would be gone.
    await chief.evaluate(() => ((window as unknown as { __notReloaded: boolean }).__notReloaded = true));

    // The admin narrows the commander to Kadavanthra in the console.
    await admin.goto("/admin/users");
    await admin.getByLabel("Search").fill(email);
    await admin.getByRole("button", { name: `Edit ${name} (${email})` }).click();
    const dialog = admin.getByRole("dialog", { name: `Edit user ${name} (${email})` });
    await dialog.getByLabel("Scope level").selectOption("station");
    await dialog.getByLabel("Scope station").selectOption(String(kdv.id));
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await expect(dialog).toBeHidden();

    // The commander's open map follows: the neighbour's patrol goes, Kadavanthra's stays and keeps moving.
    await expect(row(lostId)).toHaveCount(0);
    await expect(chief.getByTestId("access-changed")).toContainText("An administrator changed your access");
    await expect(row(keptId)).toBeVisible();
    await expect(chief.getByTestId("connection-status")).toHaveAttribute("data-status", "live");
    await lost.report(neighbour.lat + 0.001, neighbour.lon);
    await kept.report(kdv.lat + 0.001, kdv.lon);
    await expect
      .poll(() => chief.evaluate((id) => window.__sentinelFleet?.getState().patrols.get(id)?.last?.lat, keptId))
      .toBe(kdv.lat + 0.001);
    expect(await chief.evaluate((id) => window.__sentinelFleet?.getState().patrols.has(id), lostId)).toBe(false);
    expect(await chief.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);

    // Disabled: the open map ends on the login page, saying why.
    await admin.getByRole("button", { name: `Edit ${name} (${email})` }).click();
    await dialog.getByLabel("Account disabled").check();
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await expect(dialog).toBeHidden();
    await expect(admin.getByRole("row").filter({ hasText: email })).toContainText("Disabled");
    await chief.waitForURL("**/login**");
    await expect(chief.getByRole("alert").filter({ hasText: "Your access was changed or revoked by an administrator." })).toBeVisible();
  } finally {
    await kept.stop();
    await lost.stop();
    await admin.request.delete(`/api/admin/users/${userId}`, { headers: { "content-type": "application/json" } });
    await chiefContext.close();
    await adminContext.close();
  }
});
