import { expect, test } from "@playwright/test";

// `npm run docs:screenshots`: the README's picture of the admin console on a phone (390×844) — the vehicles list
// as cards, the section links wrapped under the top bar.
test("docs/admin-phone.png: the admin console's vehicles on a 390 px phone", async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })).newPage();
  await page.goto("/admin/vehicles");
  await page.getByLabel("Email").fill("admin@sentinel.local");
  await page.getByLabel("Password").fill("sentinel-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Vehicles" })).toBeVisible();
  await page.getByLabel("Home station").selectOption({ label: "Kadavanthra (KDV)" });
  await expect(page.getByTestId("list-count")).toHaveText(/^\d+ of \d+ vehicles$/);
  await page.screenshot({ path: "docs/admin-phone.png" });
});
