import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { signIn } from "../scripts/simulator/sign-in";
import { TEST_SECRETS } from "../test/support/secrets";
import { base, Device, loadFleet, openMap, type Vehicle } from "./fleet";

/**
 * A page on another port of the app's host is "same-site": Chromium sends the
 * SameSite=Lax session cookie with its requests. What such a page can send
 * without a CORS preflight — a `no-cors` fetch and a text/plain form — must
 * change nothing.
 */

let vehicles: Vehicle[];
let sibling: Server;
let siblingOrigin: string;

/** The attacker's page: forges a district with a no-cors fetch at once, and carries a form that stops a patrol. */
function attackerPage(app: string, patrolId: string, code: string): string {
  return `<!doctype html><title>sibling</title>
<form id="stop" method="post" enctype="text/plain" action="${app}/api/patrols/${patrolId}/stop"><input name="x" value="1"></form>
<script>
  fetch(${JSON.stringify(`${app}/api/admin/districts`)}, {
    method: "POST", mode: "no-cors", credentials: "include",
    body: new Blob([${JSON.stringify(JSON.stringify({ name: `Forged ${code}`, code }))}]),
  }).then(() => { document.title = "sent"; }, () => { document.title = "sent"; });
</script>`;
}

test.beforeAll(async () => {
  ({ vehicles } = await loadFleet());
  sibling = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sibling.invalid");
    res.writeHead(200, { "content-type": "text/html" });
    res.end(attackerPage(base(), url.searchParams.get("patrol") ?? "0", url.searchParams.get("code") ?? "X"));
  });
  // The app's host (127.0.0.1), another port: same site, another origin.
  await new Promise<void>((resolve) => sibling.listen(0, new URL(base()).hostname, resolve));
  siblingOrigin = `http://${new URL(base()).hostname}:${(sibling.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => sibling?.close(resolve));
});

test("a same-site page on another port can neither create a district nor stop a patrol with the admin's cookie", async ({ page }) => {
  const device = new Device(vehicles.filter((v) => !v.callSign.startsWith("E2E-")).at(-3)!);
  const code = `CSRF${Date.now().toString(36).toUpperCase()}`;
  const admin = await signIn(base(), "admin@sentinel.local", TEST_SECRETS.DEMO_PASSWORD);
  const districts = async () =>
    ((await (await fetch(`${base()}/api/admin/districts`, { headers: { cookie: admin } })).json()) as { items: { code: string }[] }).items;
  try {
    const patrolId = await device.start();
    await openMap(page, "admin@sentinel.local");

    const refusals: number[] = [];
    page.on("response", (res) => {
      if (res.url().startsWith(`${base()}/api/`)) refusals.push(res.status());
    });
    await page.goto(`${siblingOrigin}/?patrol=${patrolId}&code=${code}`);
    await expect(page).toHaveTitle("sent");
    await page.locator("#stop").evaluate((form: HTMLFormElement) => form.submit());
    await page.waitForURL(`${base()}/api/patrols/${patrolId}/stop`);
    await expect(page.locator("body")).toContainText("FORBIDDEN");

    expect(refusals).toEqual([403, 403]);
    expect((await districts()).map((d) => d.code)).not.toContain(code);
    const live = await fetch(`${base()}/api/patrols`, { headers: { cookie: admin } });
    expect(((await live.json()) as { items: { patrolId: number }[] }).items.map((p) => p.patrolId)).toContain(patrolId);
  } finally {
    await device.stop();
  }
});
