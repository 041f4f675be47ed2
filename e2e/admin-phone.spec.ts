import { expect, test, type Page } from "@playwright/test";

const ADMIN = "admin@sentinel.local";
const DEMO_PASSWORD = "sentinel-demo";
const PHONE = { width: 390, height: 844 };
const PAGES = ["/admin", "/admin/districts", "/admin/zones", "/admin/divisions", "/admin/stations", "/admin/vehicles", "/admin/users", "/admin/audit"];
// Unique per run, so a re-run against the same database never collides with an earlier one.
const RUN = Date.now().toString(36).toUpperCase().slice(-6);

// A phone: touch, and a layout viewport that would grow (and hide an overflow) if the page were wider than the screen.
test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

async function signIn(page: Page, path: string) {
  await page.goto(path);
  await page.getByLabel("Email").fill(ADMIN);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${path}$`));
}

/** The page's scroll width and the elements sticking out past the screen's right edge (not counting those inside a scroller). */
async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; outside: string[] }> {
  return page.evaluate((screenWidth) => {
    const inScroller = (el: Element) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== "visible") return true;
      return false;
    };
    const outside = [...document.querySelectorAll("body *")]
      .filter((el) => el.getClientRects().length > 0 && el.getBoundingClientRect().right > screenWidth + 0.5 && !inScroller(el))
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute("class") ?? ""}"> ends at ${Math.round(el.getBoundingClientRect().right)} px`);
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, outside };
  }, PHONE.width);
}

/** No horizontal page scroll: the page is no wider than the screen (tables and the navigation wrap or scroll within). */
async function expectNoHorizontalScroll(page: Page, what: string) {
  const measured = await horizontalOverflow(page);
  expect(measured.outside, `${what}: elements past the right edge`).toEqual([]);
  expect(measured.scrollWidth, `${what}: scrollWidth`).toBeLessThanOrEqual(PHONE.width);
  expect(measured.scrollWidth, `${what}: scrollWidth ≤ innerWidth`).toBeLessThanOrEqual(measured.innerWidth);
}

test("every admin page fits a 390 px phone: no horizontal page scroll, Sign out and the section links in view", async ({ page }) => {
  await signIn(page, "/admin");
  for (const path of PAGES) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectNoHorizontalScroll(page, path);
    await expect(page.getByRole("button", { name: "Sign out" })).toBeInViewport({ ratio: 1 });
    const nav = page.getByRole("navigation", { name: "Admin sections" });
    await expect(nav.locator("[aria-current=page]")).toBeInViewport({ ratio: 1 });
  }
  // A row's actions sit on its card, none of it hidden behind another.
  await page.goto("/admin/stations");
  await page.getByRole("searchbox", { name: "Search" }).fill("KDV");
  const row = page.getByRole("row").filter({ hasText: "Kadavanthra" });
  for (const name of ["Edit", "Boundary", "Delete"]) await expect(row.getByRole("button", { name: new RegExp(`^${name}`) })).toBeInViewport({ ratio: 1 });
});

test("the dialogs fit the screen: a station's form and its boundary editor", async ({ page }) => {
  await signIn(page, "/admin/stations");
  await page.getByRole("button", { name: "New station" }).click();
  const form = page.getByRole("dialog", { name: "New station" });
  await expect(form.getByRole("button", { name: "Create station" })).toBeVisible();
  await expectNoHorizontalScroll(page, "new station form");
  const box = (await form.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
  await form.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("searchbox", { name: "Search" }).fill("KDV");
  await page.getByRole("button", { name: "Boundary of Kadavanthra (KDV)", exact: true }).click();
  const editor = page.getByRole("dialog", { name: "Boundary of Kadavanthra (KDV)" });
  await expect(editor.locator(".boundary-corner").first()).toBeVisible();
  const editorBox = (await editor.boundingBox())!;
  expect(editorBox.x + editorBox.width).toBeLessThanOrEqual(PHONE.width);
  await expectNoHorizontalScroll(page, "boundary editor");
});

test("creating a vehicle shows its secret, and Esc asks before closing while it was not copied", async ({ page }) => {
  await signIn(page, "/admin/vehicles");
  await expectNoHorizontalScroll(page, "/admin/vehicles");
  await page.getByRole("button", { name: "New vehicle" }).click();
  const form = page.getByRole("dialog", { name: "New vehicle" });
  await form.getByLabel("Call sign").fill(`E2E-PH-${RUN}`);
  await form.getByLabel("Registration").fill(`KL-07-E2E-PH-${RUN}`);
  await form.getByLabel("Home station").selectOption({ label: "Kadavanthra (KDV)" });
  await expectNoHorizontalScroll(page, "new vehicle form");
  await form.getByRole("button", { name: "Create vehicle" }).click();

  const dialog = page.getByRole("dialog", { name: `Vehicle E2E-PH-${RUN} created` });
  await expect(dialog).toBeVisible();
  const secret = await dialog.getByTestId("device-secret").inputValue();
  await expectNoHorizontalScroll(page, "secret dialog");

  // Esc before copying asks; keeping it open shows the same secret.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText("The secret is shown only once. Close without copying?")).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Keep it open" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Keep it open" }).click();
  await expect(dialog.getByText("Close without copying?")).toBeHidden();
  await expect(dialog.getByTestId("device-secret")).toHaveValue(secret);

  // The × and a tap outside ask too.
  await dialog.getByRole("button", { name: "Close dialog" }).click();
  await expect(dialog.getByText("Close without copying?")).toBeVisible();
  await dialog.getByRole("button", { name: "Keep it open" }).click();
  await page.mouse.click(5, 5);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText("Close without copying?")).toBeVisible();

  // Confirming closes it, and the secret is gone from the page.
  await dialog.getByRole("button", { name: "Close without copying" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(secret)).toHaveCount(0);
});

test("once the secret is stored, Esc closes its dialog without asking", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, "/admin/vehicles");
  await page.getByRole("searchbox", { name: "Search" }).fill(`E2E-PH-${RUN}`);
  await page.getByRole("button", { name: `Rotate secret of E2E-PH-${RUN}` }).click();
  await page.getByRole("dialog", { name: `Rotate the secret of E2E-PH-${RUN}?` }).getByRole("button", { name: "Rotate secret" }).click();
  const dialog = page.getByRole("dialog", { name: `New secret for E2E-PH-${RUN}` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(dialog.getByRole("status")).toHaveText("Copied to the clipboard.");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  // Ticking "I have stored it another way" counts as stored, too.
  await page.getByRole("button", { name: `Rotate secret of E2E-PH-${RUN}` }).click();
  await page.getByRole("dialog", { name: `Rotate the secret of E2E-PH-${RUN}?` }).getByRole("button", { name: "Rotate secret" }).click();
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("I have stored it another way").check();
  await dialog.getByRole("button", { name: "Close dialog" }).click();
  await expect(dialog).toBeHidden();
});

test("the phone set-up dialog fits the screen, its QR code and settings included", async ({ page }) => {
  await signIn(page, "/admin/vehicles");
  await page.getByRole("searchbox", { name: "Search" }).fill(`E2E-PH-${RUN}`);
  const row = page.getByRole("row").filter({ hasText: `E2E-PH-${RUN}` });
  await expect(row.getByRole("button", { name: `Set up a phone for E2E-PH-${RUN}` })).toBeInViewport({ ratio: 1 });
  await expectNoHorizontalScroll(page, "/admin/vehicles with the phone column");
  await row.getByRole("button", { name: `Set up a phone for E2E-PH-${RUN}` }).click();
  const dialog = page.getByRole("dialog", { name: `Set up a phone for E2E-PH-${RUN}` });
  const qr = dialog.getByRole("img", { name: /^QR code/ });
  await expect(qr).toBeVisible();
  // The stack listens on 127.0.0.1: the warning is shown, and wraps like the rest.
  await expect(dialog.getByTestId("loopback-warning")).toBeVisible();
  await expectNoHorizontalScroll(page, "phone set-up dialog");
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
  for (const part of [qr, dialog.getByTestId("traccar-settings"), dialog.getByTestId("osmand-url")]) {
    await part.scrollIntoViewIfNeeded();
    const partBox = (await part.boundingBox())!;
    expect(partBox.x).toBeGreaterThanOrEqual(box.x);
    expect(partBox.x + partBox.width).toBeLessThanOrEqual(box.x + box.width);
  }
  await page.keyboard.press("Escape");
  await expect(dialog.getByText("The device id is shown only once. Close without copying?")).toBeVisible();
  await dialog.getByRole("button", { name: "Close without copying" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByRole("button", { name: `Replace phone of E2E-PH-${RUN}` })).toBeVisible();
});

test("a bad latitude gets a message in plain words beside the field, and the banner clears once it is fixed", async ({ page }) => {
  await signIn(page, "/admin/stations");
  await page.getByRole("button", { name: "New station" }).click();
  const form = page.getByRole("dialog", { name: "New station" });
  await form.getByLabel("Name", { exact: true }).fill(`Phone Station ${RUN}`);
  await form.getByLabel("Code", { exact: true }).fill(`PH${RUN}`);
  await form.getByLabel("Division").selectOption({ label: "Ernakulam Central sub-division (KOCHI-EKC)" });
  await form.getByLabel("Latitude").fill("91");
  await form.getByLabel("Longitude").fill("76.3");
  await form.getByRole("button", { name: "Create station" }).click();

  const banner = form.getByTestId("form-error");
  await expect(banner).toHaveText("Please correct the fields marked below.");
  await expect(form.getByLabel("Latitude")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Latitude")).toHaveAccessibleDescription(/Latitude must be between -90 and 90\./);
  await expect(form.getByText("Too big")).toHaveCount(0);
  await expectNoHorizontalScroll(page, "station form with a message");

  await form.getByLabel("Latitude").fill("9.95");
  await expect(banner).toBeHidden();
  await expect(form.getByLabel("Latitude")).not.toHaveAttribute("aria-invalid", "true");
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(form).toBeHidden();
});
