import { expect, test, type Page } from "@playwright/test";
import { Device, loadFleet, openMap, type Vehicle } from "./fleet";

/**
 * The pages work under their Content-Security-Policy (proxy.ts): a nonce for
 * scripts and no inline script, the realtime socket, Leaflet's styles and the
 * tile server allowed — and the browser reports no violation while a
 * commander uses the map and an admin the console.
 */

let vehicles: Vehicle[];

test.beforeAll(async () => {
  ({ vehicles } = await loadFleet());
});

/** Collects every CSP violation the page reports, as console errors and as `securitypolicyviolation` events. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame|evaluate)/i.test(message.text())) violations.push(message.text());
  });
  await page.exposeFunction("reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  return violations;
}

test("the login page, the live map and the admin console run with no CSP violation", async ({ page }) => {
  const violations = await watchViolations(page);
  const login = await page.goto("/login");
  expect(login?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);

  // The map connects to the realtime sidecar (connect-src) and shows a live vehicle.
  await openMap(page, "admin@sentinel.local");
  // A seeded vehicle (the admin spec adds E2E-… ones with secrets we do not know), far from those other specs drive.
  const device = new Device(vehicles.filter((v) => !v.callSign.startsWith("E2E-")).at(-1)!);
  try {
    const patrolId = await device.start();
    await device.report(9.9667, 76.2997, { speed: 10, heading: 90 });
    const row = page.locator(`[data-testid="patrol-row"][data-patrol-id="${patrolId}"]`);
    await expect(row).toHaveAttribute("data-lat", "9.9667");
    await expect(page.locator(".leaflet-container")).toBeVisible();
  } finally {
    await device.stop();
  }

  // The admin console, navigated client-side, with the station location picker open.
  await page.getByRole("link", { name: "Admin console" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Stations" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Stations" })).toBeVisible();
  await page.getByRole("button", { name: "New station" }).click();
  await expect(page.getByTestId("location-picker")).toBeVisible();
  await page.keyboard.press("Escape");

  await page.goto("/no-such-page");
  await expect(page.getByText(/could not be found|404/i).first()).toBeVisible();
  expect(violations).toEqual([]);
});

test("an injected inline event handler does not run, and the browser reports it", async ({ page }) => {
  const violations = await watchViolations(page);
  await page.goto("/login");
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<img src="/nope.png" onerror="window.injected = true">'));
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
  expect(violations.join("\n")).toMatch(/script-src/);
});
