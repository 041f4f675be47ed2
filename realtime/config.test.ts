import { describe, expect, it } from "vitest";
import { defaultOrigins, loadRealtimeConfig } from "./config";

describe("loadRealtimeConfig", () => {
  it("defaults the allowed origins to the web app's own", () => {
    expect(defaultOrigins("https://sentinel.example.org/app", 3000)).toEqual([
      "https://sentinel.example.org",
      "http://localhost:3000",
      "http://127.0.0.1:3000",
    ]);
    const config = loadRealtimeConfig({});
    expect(config.conflateBytes).toBe(64 * 1024);
    expect(config.heartbeatMs).toBe(15_000);
    expect(config.allowedOrigins.size).toBeGreaterThan(0);
    expect(config.placement).toBe("scope");
  });

  it("takes round-robin placement as the fallback setting and refuses anything else, naming the choices", () => {
    expect(loadRealtimeConfig({ REALTIME_PLACEMENT: "round-robin" }).placement).toBe("round-robin");
    expect(() => loadRealtimeConfig({ REALTIME_PLACEMENT: "sticky" })).toThrow(/REALTIME_PLACEMENT[\s\S]*scope[\s\S]*round-robin/);
  });

  it("reads a comma-separated origin list, normalised to origins", () => {
    const config = loadRealtimeConfig({ REALTIME_ALLOWED_ORIGINS: "https://a.example/, http://b.example:8080" });
    expect([...config.allowedOrigins]).toEqual(["https://a.example", "http://b.example:8080"]);
  });

  it("names each offending variable", () => {
    expect(() => loadRealtimeConfig({ REALTIME_ALLOWED_ORIGINS: "not a url", REALTIME_HEARTBEAT_MS: "soon" })).toThrow(
      /REALTIME_ALLOWED_ORIGINS[\s\S]*REALTIME_HEARTBEAT_MS/,
    );
  });
});
