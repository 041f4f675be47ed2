import { expect, test, type Page } from "@playwright/test";

const ADMIN = "admin@sentinel.local";
const DIVISION_COMMANDER = "division@sentinel.local";
const DEMO_PASSWORD = "sentinel-demo";

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("an admin finds a failed sign-in in the audit log by user and action, newest first", async ({ page, browser, baseURL }) => {
  // Someone mistypes the division commander's password in another browser.
  const other = await browser.newContext({ baseURL });
  const stranger = await other.newPage();
  await stranger.goto("/login");
  await signIn(stranger, DIVISION_COMMANDER, "not-the-password");
  await expect(stranger.locator("form").getByRole("alert")).toHaveText("Wrong email or password.");
  await other.close();

  await page.goto("/admin");
  await signIn(page, ADMIN, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(/\/admin\/audit$/);
  await expect(page.getByRole("heading", { level: 1, name: "Audit" })).toBeVisible();

  // Newest first: this admin's own sign-in heads the unfiltered log.
  const rows = page.getByTestId("audit-table").locator("tbody tr");
  await expect(rows.first()).toContainText("login.success");
  await expect(rows.first()).toContainText(ADMIN);

  const user = page.getByLabel("User");
  await user.selectOption((await user.locator("option", { hasText: DIVISION_COMMANDER }).getAttribute("value"))!);
  await page.getByLabel("Action").selectOption("login.failure");
  await expect(rows.first()).toContainText("login.failure");
  await expect(rows.first()).toContainText(DIVISION_COMMANDER);
  await expect(rows.first()).toContainText("reason: wrong password");
  for (const text of await rows.allTextContents()) expect(text).toContain("login.failure");

  // A window that ended before any of this shows none of it.
  await page.getByLabel("To").fill("2000-01-01T00:00");
  await expect(page.getByText("No audit entries match these filters.")).toBeVisible();
  await expect(rows).toHaveCount(0);
});
