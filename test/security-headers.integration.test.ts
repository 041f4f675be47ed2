import { beforeAll, describe, expect, it } from "vitest";
import { env } from "@/lib/env";
import { API_CONTENT_SECURITY_POLICY, templateOriginSource } from "@/lib/http/content-security-policy";
import { baseUrl, DEMO, login, type UserClient } from "./support/http";
import { attemptLogin } from "./support/login-attempt";

/**
 * Response headers of pages and API routes on the suite's web server (plain
 * http, no proxy), and the session cookie's attributes. The https variant
 * (Secure cookies, upgrade-insecure-requests) is in behind-proxy.integration.test.ts;
 * that the pages still work under this policy is e2e/security-headers.spec.ts.
 */

let commander: UserClient;
let admin: UserClient;

/** Directives of a policy: name → sources. */
function directives(policy: string | null): Record<string, string[]> {
  expect(policy, "Content-Security-Policy header").toBeTruthy();
  return Object.fromEntries(
    policy!
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

async function page(path: string, client?: UserClient): Promise<{ res: Response; html: string }> {
  const res = client ? await client.fetch(path, { redirect: "manual" }) : await fetch(`${baseUrl()}${path}`, { redirect: "manual" });
  return { res, html: await res.text() };
}

beforeAll(async () => {
  [commander, admin] = await Promise.all([login(DEMO.station), login(DEMO.admin)]);
});

describe("page Content-Security-Policy", () => {
  const pages: [string, () => UserClient | undefined, number][] = [
    ["/login", () => undefined, 200],
    ["/map", () => commander, 200],
    ["/admin", () => admin, 200],
    ["/admin/stations", () => admin, 200],
    ["/no-such-page", () => undefined, 404],
  ];

  it.each(pages)("%s: scripts run only with this response's nonce; nothing may frame it", async (path, client, status) => {
    const { res, html } = await page(path, client());
    expect(res.status).toBe(status);
    const csp = directives(res.headers.get("content-security-policy"));
    const nonce = /^'nonce-([A-Za-z0-9+/=]{22,})'$/.exec(csp["script-src"]?.find((s) => s.startsWith("'nonce-")) ?? "")?.[1];
    expect(nonce, "a nonce in script-src").toBeDefined();
    expect(csp["script-src"]).toEqual(["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"]);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    expect(csp["object-src"]).toEqual(["'none'"]);
    expect(csp["base-uri"]).toEqual(["'self'"]);
    expect(csp["form-action"]).toEqual(["'self'"]);

    // Every script Next rendered carries the nonce; no inline script could run without it.
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, "script tag").toContain(`nonce="${nonce}"`);
  });

  it("is fresh for every response", async () => {
    const nonces = await Promise.all(
      Array.from({ length: 5 }, async () => (await page("/login")).res.headers.get("content-security-policy")!.match(/'nonce-([^']+)'/)![1]),
    );
    expect(new Set(nonces).size).toBe(5);
  });

  it("lets the map load tiles and data: images, keep Leaflet's inline styles, and reach the realtime sidecar", async () => {
    const csp = directives((await page("/map", commander)).res.headers.get("content-security-policy"));
    expect(csp["img-src"]).toEqual(["'self'", "data:", "blob:", templateOriginSource(env.NEXT_PUBLIC_TILE_URL)]);
    expect(csp["style-src"]).toEqual(["'self'", "'unsafe-inline'"]);
    // The suite's sidecar URL (REALTIME_PUBLIC_URL of the test stack): ws://127.0.0.1:<port>.
    expect(csp["connect-src"]).toEqual(["'self'", expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/) as string]);
    // Plain http here: nothing to upgrade.
    expect(csp).not.toHaveProperty("upgrade-insecure-requests");
  });

  it("still sends an anonymous visitor of /map or /admin to the login page", async () => {
    for (const path of ["/map", "/admin/users"]) {
      const { res } = await page(path);
      expect(res.status, path).toBe(307);
      expect(res.headers.get("location"), path).toMatch(/\/login\?callbackUrl=/);
    }
  });
});

describe("other security headers", () => {
  it.each(["/login", "/api/health", "/api/patrols", "/api/admin/users"])("%s: nosniff, no framing, same-origin referrer", async (path) => {
    const res = await fetch(`${baseUrl()}${path}`, { redirect: "manual" });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("permissions-policy")).toContain("geolocation=()");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it.each(["/api/health", "/api/patrols", "/api/admin/users", "/api/vehicles/token"])("%s: an API response may load and be framed by nothing", async (path) => {
    const res = await fetch(`${baseUrl()}${path}`);
    expect(res.headers.get("content-security-policy")).toBe(API_CONTENT_SECURITY_POLICY);
  });
});

describe("session cookies over http", () => {
  it("are HttpOnly and SameSite=Lax, and not Secure (the site is http here)", async () => {
    const attempt = await attemptLogin(baseUrl(), DEMO.zone, DEMO.password, { from: "127.0.4.1" });
    const cookies = Object.fromEntries(attempt.setCookies.map((c) => [c.split("=")[0]!, c.split(";").slice(1).map((a) => a.trim().toLowerCase())]));
    expect(Object.keys(cookies)).toContain("next-auth.session-token");
    for (const [name, attributes] of Object.entries(cookies)) {
      expect(attributes, name).toEqual(expect.arrayContaining(["httponly", "samesite=lax", "path=/"]));
      expect(attributes, name).not.toContain("secure");
    }
  });
});
