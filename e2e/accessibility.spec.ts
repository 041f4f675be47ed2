import { expect, test, type Page } from "@playwright/test";
import { expectNoSeriousViolations, type KnownViolation } from "./axe";
import { Device, loadFleet, openMap, spareVehicles } from "./fleet";

const ADMIN = "admin@sentinel.local";
const STATION_COMMANDER = "station@sentinel.local";
const DEMO_PASSWORD = "sentinel-demo";
const ADMIN_PAGES = ["/admin", "/admin/districts", "/admin/zones", "/admin/divisions", "/admin/stations", "/admin/vehicles", "/admin/users", "/admin/audit"];
const SCREENS = [
  { name: "desktop", viewport: { width: 1366, height: 768 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
];

/**
 * Known serious violations on the live map (components/map/, app/map/, being reworked in another change), each
 * scoped to its rule and selector so anything new still fails; reported to the lead, to remove once fixed. None
 * today.
 */
const KNOWN_MAP_VIOLATIONS: KnownViolation[] = [];

/**
 * The boundary editor's numbered corners are 24 px, but where two corners of a real outline lie a few metres apart
 * they overlap at the zoom that shows the whole station (WCAG 2.5.8 target size). Their place on the map is the
 * information (the "essential" exception), zooming in separates them, and each corner has a full-size Remove button
 * in the list beside the map.
 */
const KNOWN_BOUNDARY_EDITOR_VIOLATIONS: KnownViolation[] = [
  { rule: "target-size", target: /^\.boundary-corner\.leaflet-interactive\.leaflet-marker-draggable(:nth-child\(\d+\))?$/, why: "overlapping corners of one outline" },
];

// Two Kadavanthra patrols on the map, so its list, markers and their controls are analysed too.
const fleet: Device[] = [];
test.beforeAll(async () => {
  const { stations, vehicles } = await loadFleet();
  const kdv = stations.find((s) => s.name === "Kadavanthra")!;
  for (const [i, vehicle] of spareVehicles(vehicles, kdv.id).slice(-2).entries()) {
    const device = new Device(vehicle);
    fleet.push(device);
    await device.start();
    await device.report(kdv.lat + 0.002 * (i + 1), kdv.lon + 0.001, { speed: 8, heading: 90 });
  }
});
test.afterAll(async () => {
  for (const device of fleet) await device.stop();
});

async function signIn(page: Page, email: string, path: string) {
  await page.goto(path);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${path}$`));
}

for (const screen of SCREENS) {
  test.describe(`accessibility, ${screen.name} (${screen.viewport.width}×${screen.viewport.height})`, () => {
    test.use({ viewport: screen.viewport });

    test("the login page", async ({ page }) => {
      await page.goto("/login");
      await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
      await expectNoSeriousViolations(page, "/login");
    });

    for (const [who, email] of [
      ["the station commander", STATION_COMMANDER],
      ["the admin", ADMIN],
    ] as const) {
      test(`the live map as ${who}`, async ({ page }) => {
        await openMap(page, email);
        await expect(page.getByTestId("patrol-row")).not.toHaveCount(0);
        await expectNoSeriousViolations(page, `/map as ${who}`, KNOWN_MAP_VIOLATIONS);
      });
    }

    test("every admin page, and the boundary editor", async ({ page }) => {
      // Nine pages, each analysed in full.
      test.setTimeout(180_000);
      await signIn(page, ADMIN, "/admin");
      for (const path of ADMIN_PAGES) {
        await page.goto(path);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        if (path === "/admin/audit") await expect(page.getByTestId("list-count")).not.toHaveText("Loading…");
        await expectNoSeriousViolations(page, path);
      }
      await page.goto("/admin/stations");
      await page.getByRole("searchbox", { name: "Search" }).fill("KDV");
      await page.getByRole("button", { name: "Boundary of Kadavanthra (KDV)", exact: true }).click();
      await expect(page.getByRole("dialog", { name: "Boundary of Kadavanthra (KDV)" }).locator(".boundary-corner").first()).toBeVisible();
      await expectNoSeriousViolations(page, "boundary editor", KNOWN_BOUNDARY_EDITOR_VIOLATIONS);
    });
  });
}
