import { expect, test } from "@playwright/test";

// `npm run docs:screenshots`: the README's picture of setting up a phone — the device id, the server URL at a
// network address (as a phone must be given it), the QR code and the Traccar Client settings — for Kadavanthra's first
// car, on the docs run's private stack (the id shown works nowhere else).
test("docs/phone-setup.png: setting up a phone for a vehicle", async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 940 } })).newPage();
  await page.goto("/admin/vehicles");
  await page.getByLabel("Email").fill("admin@sentinel.local");
  await page.getByLabel("Password").fill("sentinel-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Vehicles" })).toBeVisible();
  await page.getByRole("searchbox", { name: "Search" }).fill("KDV-01");
  await page.getByRole("button", { name: "Set up a phone for KDV-01", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Set up a phone for KDV-01" });
  await dialog.getByRole("textbox", { name: "Server URL" }).fill("http://192.168.1.20:3000/api/osmand");
  await expect(dialog.getByRole("img", { name: /^QR code/ })).toBeVisible();
  await page.mouse.move(0, 0);
  await dialog.screenshot({ path: "docs/phone-setup.png" });
});
