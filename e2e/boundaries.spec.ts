import { expect, test, type Locator, type Page } from "@playwright/test";
import { pointInPolygon, type BoundaryPolygon } from "../lib/geo/polygon";

const ADMIN = "admin@sentinel.local";
const DEMO_PASSWORD = "sentinel-demo";

// A station of its own, so drawing and clearing never touches a seeded station's jurisdiction (other specs use them).
const RUN = Date.now().toString(36).toUpperCase().slice(-6);
const STATION = { name: `Boundary Station ${RUN}`, code: `BND${RUN}`, lat: 9.9531, lon: 76.3058 };
const LABEL = `${STATION.name} (${STATION.code})`;

test.use({ viewport: { width: 1366, height: 900 } });

/** The station as the admin API returns it. */
async function storedStation(page: Page, id: number): Promise<{ lat: number; lon: number; boundary: BoundaryPolygon | null }> {
  const res = await page.request.get(`/api/admin/stations/${id}`);
  expect(res.status()).toBe(200);
  return res.json();
}

/** Opens the boundary editor of the test station from its row; returns the dialog. */
async function openEditor(page: Page): Promise<Locator> {
  await page.getByRole("searchbox", { name: "Search" }).fill(STATION.code);
  await page.getByRole("button", { name: `Boundary of ${LABEL}`, exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Boundary of ${LABEL}` });
  await expect(dialog.getByTestId("boundary-map")).toBeVisible();
  return dialog;
}

/** Clicks the editor's map `dx`, `dy` pixels from the station's pin. */
async function clickNearStation(page: Page, dialog: Locator, dx: number, dy: number, button: "left" | "right" = "left") {
  const pin = await dialog.locator(".boundary-station").boundingBox();
  expect(pin).not.toBeNull();
  await page.mouse.click(pin!.x + pin!.width / 2 + dx, pin!.y + pin!.height / 2 + dy, { button });
}

test("an admin draws a station's boundary on the map, sees the server's refusal in words, saves it, finds it after a reload, and clears it", async ({ page }) => {
  await page.goto("/admin/stations");
  await page.getByLabel("Email").fill(ADMIN);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Stations" })).toBeVisible();

  const divisions = (await (await page.request.get("/api/admin/divisions")).json()).items as { id: number; code: string }[];
  const created = await page.request.post("/api/admin/stations", {
    data: { ...STATION, divisionId: divisions.find((d) => d.code === "KOCHI-EKS")!.id },
  });
  expect(created.status()).toBe(201);
  const stationId = ((await created.json()) as { id: number }).id;
  await page.reload();

  const row = page.locator(`tr[data-row-id="${stationId}"]`);
  let dialog = await openEditor(page);
  await expect(dialog.getByTestId("boundary-count")).toContainText("No boundary");
  await expect(dialog.getByRole("button", { name: "Clear" })).toBeDisabled();

  // A triangle beside the station, not around it: the server refuses it and the editor says why.
  await clickNearStation(page, dialog, 40, -60);
  await clickNearStation(page, dialog, 140, -60);
  await clickNearStation(page, dialog, 90, 40);
  await expect(dialog.getByTestId("boundary-count")).toHaveText("3 corners.");
  await dialog.getByRole("button", { name: "Save boundary" }).click();
  await expect(dialog.getByTestId("boundary-error")).toContainText(
    `The boundary was not saved: does not contain the station (lat ${STATION.lat}, lon ${STATION.lon}); a station's boundary must surround it`,
  );
  expect((await storedStation(page, stationId)).boundary).toBeNull();

  // Remove one corner by right-click and one with its button, then draw the triangle round the station.
  await dialog.locator(".boundary-corner").first().click({ button: "right" });
  await expect(dialog.getByTestId("boundary-count")).toHaveText("2 corners: add at least 3, or clear the outline.");
  await expect(dialog.getByRole("button", { name: "Save boundary" })).toBeDisabled();
  await dialog.getByRole("button", { name: "Remove corner 1" }).click();
  await dialog.getByRole("button", { name: "Clear" }).click();
  await expect(dialog.getByTestId("boundary-count")).toContainText("No boundary");
  await expect(dialog.getByTestId("boundary-error")).toHaveCount(0);
  await clickNearStation(page, dialog, -90, 70);
  await clickNearStation(page, dialog, 90, 70);
  await clickNearStation(page, dialog, 0, -100);
  await expect(dialog.locator(".boundary-corner")).toHaveCount(3);
  await dialog.getByRole("button", { name: "Save boundary" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("3 corners");

  const saved = await storedStation(page, stationId);
  expect(saved.boundary?.type).toBe("Polygon");
  expect(saved.boundary!.coordinates[0]).toHaveLength(4);
  expect(saved.boundary!.coordinates[0]![0]).toEqual(saved.boundary!.coordinates[0]![3]);
  expect(pointInPolygon(STATION.lat, STATION.lon, saved.boundary!)).toBe(true);

  // After a reload the console shows the saved boundary, corner for corner.
  await page.reload();
  await expect(row).toContainText("3 corners");
  dialog = await openEditor(page);
  await expect(dialog.getByTestId("boundary-count")).toHaveText("3 corners.");
  await expect(dialog.locator(".boundary-corner")).toHaveCount(3);
  const [lon, lat] = saved.boundary!.coordinates[0]![0]!;
  await expect(dialog.getByRole("list", { name: "Corners" }).getByRole("listitem").first()).toContainText(`${lat.toFixed(5)}, ${lon.toFixed(5)}`);

  // Cancel changes nothing; Clear then Save removes the boundary.
  await dialog.getByRole("button", { name: "Clear" }).click();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  expect((await storedStation(page, stationId)).boundary).toEqual(saved.boundary);
  dialog = await openEditor(page);
  await dialog.getByRole("button", { name: "Clear" }).click();
  await dialog.getByRole("button", { name: "Save boundary" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("none");
  expect((await storedStation(page, stationId)).boundary).toBeNull();
});
