import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PEER_ADDRESS_HEADER, peerAddressesRecorded } from "./client-address";
import { decodablePath, installEdgeGuard } from "./edge-guard";

describe("decodablePath", () => {
  it.each([
    ["/api/admin/zones/5", true],
    ["/api/admin/zones/%F0%9F%98%80?x=%ZZ", true],
    ["/api/admin/zones/%25", true],
    ["/api/admin/zones/%", false],
    ["/api/admin/zones/%E0%A4%A", false],
    ["/api/patrols/%ZZ/stop", false],
    ["/api/%C0%AF", false],
  ])("%s → %s", (target, ok) => {
    expect(decodablePath(target)).toBe(ok);
  });
});

describe("installEdgeGuard", () => {
  let server: http.Server;
  let port: number;
  const seen: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    installEdgeGuard();
    installEdgeGuard();
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.end("handled");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (path: string, from: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path, localAddress: from, headers, agent: false }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on("error", reject);
    });

  it("stamps the TCP peer address on every request, over whatever the client sent", async () => {
    expect(peerAddressesRecorded()).toBe(true);
    expect(await get("/x", "127.0.0.23", { [PEER_ADDRESS_HEADER]: "203.0.113.1" })).toEqual({ status: 200, body: "handled" });
    expect(seen.at(-1)![PEER_ADDRESS_HEADER]).toBe("127.0.0.23");
  });

  it("answers a path that does not percent-decode with 400 before the handler runs", async () => {
    const before = seen.length;
    const res = await get("/api/admin/zones/%E0%A4%A", "127.0.0.1");
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "INVALID_URL" } });
    expect(seen.length).toBe(before);
  });
});
