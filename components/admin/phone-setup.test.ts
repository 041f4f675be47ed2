import { describe, expect, it } from "vitest";
import { defaultServerUrl, deviceAddress, isLoopbackUrl, osmandTrackingUrl, serverUrlProblem, traccarClientSettings } from "./phone-setup";

const ID = "k7qm-2xv9-h4ne-tp8c-3wad-s6yr-9bjf-e5ug";

describe("defaultServerUrl", () => {
  it("is the page's own origin and the OsmAnd path", () => {
    expect(defaultServerUrl("http://192.168.1.20:3000")).toBe("http://192.168.1.20:3000/api/osmand");
    expect(defaultServerUrl("https://sentinel.example.org/")).toBe("https://sentinel.example.org/api/osmand");
  });
});

describe("isLoopbackUrl", () => {
  it("spots every spelling of this computer, which a phone cannot reach", () => {
    for (const url of ["http://localhost:3000/api/osmand", "http://LOCALHOST/api/osmand", "http://127.0.0.1:3000/api/osmand", "http://127.1.2.3/x", "http://[::1]:3000/api/osmand", "http://0.0.0.0:3000/api/osmand", "http://app.localhost:3000/api/osmand"]) {
      expect(isLoopbackUrl(url), url).toBe(true);
    }
  });

  it("leaves network addresses and names alone, and says nothing of what is not a URL", () => {
    for (const url of ["http://192.168.1.20:3000/api/osmand", "https://sentinel.example.org/api/osmand", "http://localhost.example.org/api/osmand", "http://10.0.0.127/api/osmand", "not a url", ""]) {
      expect(isLoopbackUrl(url), url).toBe(false);
    }
  });
});

describe("serverUrlProblem", () => {
  it("accepts an http(s) address, spaces around it included", () => {
    expect(serverUrlProblem("http://192.168.1.20:3000/api/osmand")).toBeNull();
    expect(serverUrlProblem("  https://sentinel.example.org/api/osmand \n")).toBeNull();
  });

  it("says what is wrong with anything else, with an example", () => {
    expect(serverUrlProblem("   ")).toMatch(/^Enter the address .* e\.g\. http:\/\/192\.168\.1\.20:3000\/api\/osmand\.$/);
    expect(serverUrlProblem("192.168.1.20:3000")).toMatch(/must be a web address starting with http:\/\/ or https:\/\//);
    expect(serverUrlProblem("ftp://192.168.1.20/api/osmand")).toMatch(/starting with http:\/\//);
    expect(serverUrlProblem("http://192.168.1.20:3000/api/osmand?id=x")).toMatch(/must not contain “\?” or “#”/);
    expect(serverUrlProblem("http://192.168.1.20:3000/api/osmand?")).toMatch(/must not contain/);
    expect(serverUrlProblem("http://192.168.1.20:3000/api/osmand#top")).toMatch(/must not contain/);
  });
});

describe("the addresses a phone is given", () => {
  const server = " http://192.168.1.20:3000/api/osmand ";

  it("adds the device id to the server URL (what the QR code carries)", () => {
    expect(deviceAddress(server, ID)).toBe(`http://192.168.1.20:3000/api/osmand?id=${ID}`);
  });

  it("gives OsmAnd its web address template with its numbered placeholders", () => {
    expect(osmandTrackingUrl(server, ID)).toBe(
      `http://192.168.1.20:3000/api/osmand?id=${ID}&lat={0}&lon={1}&timestamp={2}&hdop={3}&altitude={4}&speed={5}`,
    );
  });

  it("lists the Traccar Client settings a person sets, by the app's names", () => {
    expect(traccarClientSettings(server, ID)).toEqual([
      { name: "Device identifier", value: ID },
      { name: "Server URL", value: "http://192.168.1.20:3000/api/osmand" },
      { name: "Location accuracy", value: "High" },
      { name: "Frequency", value: "10 s" },
      { name: "Distance", value: "0" },
      { name: "Offline buffering", value: "On" },
    ]);
  });
});
