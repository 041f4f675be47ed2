import { expect, test, type Page } from "@playwright/test";

const STATION_COMMANDER = "station@sentinel.local";
const DEMO_PASSWORD = "sentinel-demo";

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a station commander signs in and sees the map of their station", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, STATION_COMMANDER, DEMO_PASSWORD);

  await expect(page).toHaveURL(/\/map$/);
  await expect(page.getByTestId("user-name")).toHaveText("Station Commander, Kadavanthra");
  await expect(page.getByTestId("scope-name")).toHaveText("Station Kadavanthra");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Kadavanthra");
});

test("a wrong password shows the error on the form and stays on the login page", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, STATION_COMMANDER, "not-the-password");

  // Scoped to the form: Next's route announcer is an (empty) alert too.
  await expect(page.locator("form").getByRole("alert")).toHaveText("Wrong email or password.");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  const cookies = await page.context().cookies();
  expect(cookies.map((c) => c.name)).not.toContain("next-auth.session-token");
});

test("an anonymous visit to the map ends on the login page, and signing in returns to the map", async ({ page }) => {
  await page.goto("/map");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fmap$/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();

  await signIn(page, STATION_COMMANDER, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/map$/);
  await expect(page.getByTestId("scope-name")).toHaveText("Station Kadavanthra");
});

// Each of these passed a "starts with / but not //" check, and Chromium then left the site after signing in.
for (const callbackUrl of ["/%5Cevil.example/phish", "/%09/evil.example/phish", "%2F%2Fevil.example", "javascript:alert(1)"]) {
  test(`signing in with the hostile callbackUrl ${callbackUrl} lands on the app's map`, async ({ page, baseURL }) => {
    const offSite: string[] = [];
    page.on("request", (req) => {
      if (req.isNavigationRequest() && !req.url().startsWith(baseURL!)) offSite.push(req.url());
    });
    page.on("dialog", (d) => {
      offSite.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`/login?callbackUrl=${callbackUrl}`);
    await signIn(page, STATION_COMMANDER, DEMO_PASSWORD);
    await expect(page).toHaveURL(`${baseURL}/map`);
    await expect(page.getByTestId("scope-name")).toHaveText("Station Kadavanthra");
    expect(offSite).toEqual([]);
  });
}
