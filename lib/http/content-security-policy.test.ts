import { describe, expect, it } from "vitest";
import { API_CONTENT_SECURITY_POLICY, newNonce, pageContentSecurityPolicy, templateOriginSource } from "./content-security-policy";

const directives = (policy: string) =>
  Object.fromEntries(policy.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));

const base = {
  nonce: "bm9uY2Utbm9uY2Utbm9uY2U=",
  tileUrl: "https://{s}.tile.example.org/{z}/{x}/{y}.png",
  realtimeUrl: "ws://127.0.0.1:3001/live",
  https: false,
  dev: false,
};

describe("templateOriginSource", () => {
  it.each([
    ["https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"],
    ["https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"],
    ["http://tiles.local:8080/{z}/{x}/{y}.png?key=k", "http://tiles.local:8080"],
    ["wss://live.sentinel.example/live", "wss://live.sentinel.example"],
    ["https://tiles-{s}.example.org/{z}/{x}/{y}.png", "https://*.example.org"],
    ["https://a.{s}.example.org/{z}/{x}/{y}.png", "https:"],
    ["/tiles/{z}/{x}/{y}.png", null],
  ])("%s → %s", (template, source) => {
    expect(templateOriginSource(template)).toBe(source);
  });
});

describe("pageContentSecurityPolicy", () => {
  it("lets scripts run only with the nonce, and nothing frame the page", () => {
    const d = directives(pageContentSecurityPolicy(base));
    expect(d["script-src"]).toEqual(["'self'", `'nonce-${base.nonce}'`, "'strict-dynamic'"]);
    expect(d["script-src"]).not.toContain("'unsafe-inline'");
    expect(d["script-src"]).not.toContain("'unsafe-eval'");
    expect(d["frame-ancestors"]).toEqual(["'none'"]);
    expect(d["object-src"]).toEqual(["'none'"]);
    expect(d["base-uri"]).toEqual(["'self'"]);
    expect(d["form-action"]).toEqual(["'self'"]);
    expect(d["default-src"]).toEqual(["'self'"]);
  });

  it("allows Leaflet's inline styles, data: images and the tile server, and the realtime socket", () => {
    const d = directives(pageContentSecurityPolicy(base));
    // A nonce in style-src would switch 'unsafe-inline' off.
    expect(d["style-src"]).toEqual(["'self'", "'unsafe-inline'"]);
    expect(d["img-src"]).toEqual(["'self'", "data:", "blob:", "https://*.tile.example.org"]);
    expect(d["connect-src"]).toEqual(["'self'", "ws://127.0.0.1:3001"]);
  });

  it("upgrades insecure requests only on an https site, and allows eval only in development", () => {
    expect(directives(pageContentSecurityPolicy(base))).not.toHaveProperty("upgrade-insecure-requests");
    expect(directives(pageContentSecurityPolicy({ ...base, https: true }))).toHaveProperty("upgrade-insecure-requests");
    expect(directives(pageContentSecurityPolicy({ ...base, dev: true }))["script-src"]).toContain("'unsafe-eval'");
  });

  it("needs no extra source for same-origin tiles", () => {
    expect(directives(pageContentSecurityPolicy({ ...base, tileUrl: "/tiles/{z}/{x}/{y}.png" }))["img-src"]).toEqual(["'self'", "data:", "blob:"]);
  });
});

describe("nonces and the API policy", () => {
  it("makes a fresh 128-bit nonce each time", () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const n of nonces) expect(Buffer.from(n, "base64")).toHaveLength(16);
  });

  it("lets API responses load and be framed by nothing", () => {
    expect(directives(API_CONTENT_SECURITY_POLICY)).toEqual({ "default-src": ["'none'"], "frame-ancestors": ["'none'"] });
  });
});
