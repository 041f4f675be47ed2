import { expect, test } from "@playwright/test";

// `npm run docs:screenshots`: the README's picture of the boundary editor — Kadavanthra's seeded jurisdiction,
// its neighbours' dashed around it. Nothing is saved: the seeded boundary stays as it was.
test("docs/boundary-editor.png: a station's jurisdiction in the admin console's boundary editor", async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 860 } })).newPage();
  await page.goto("/admin/stations");
  await page.getByLabel("Email").fill("admin@sentinel.local");
  await page.getByLabel("Password").fill("sentinel-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("searchbox", { name: "Search" }).fill("KDV");
  await page.getByRole("button", { name: "Boundary of Kadavanthra (KDV)", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Boundary of Kadavanthra (KDV)" });
  await expect(dialog.locator(".boundary-corner").first()).toBeVisible();
  await expect(dialog.getByTestId("boundary-count")).toHaveText(/^\d+ corners\.$/);
  // Map tiles cannot load here; let the map settle on its plain background before the picture is taken.
  await page.waitForFunction(() => !document.querySelector(".leaflet-zoom-anim"));
  await page.waitForTimeout(500);
  await page.screenshot({ path: "docs/boundary-editor.png" });
});
