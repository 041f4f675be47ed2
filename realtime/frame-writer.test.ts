import http from "node:http";
import type net from "node:net";
import type { Duplex } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as wsLib from "ws";
import { WebSocket, WebSocketServer } from "ws";
import { SocketFrameSink, textFrame } from "./frame-writer";
import { WriteCoalescer } from "./write-coalescer";

/** One WebSocket over loopback TCP: the server's side as the worker holds it (ws + its stream), a real ws client on the other. */
interface Pair {
  server: WebSocket;
  socket: Duplex;
  client: WebSocket;
  /** Messages the client received, in order, with whether they were binary. */
  received: Array<{ text: string; binary: boolean }>;
  /** Client-side errors (a malformed frame would show here). */
  errors: Error[];
}

/**
 * The socket writer against real ws on both ends: what a browser-like client decodes is what counts, so a wrong
 * header, a frame cut by one of ws's own writes or a byte written after the close frame fails these tests.
 */
describe("SocketFrameSink", () => {
  let httpServer: http.Server;
  let wss: WebSocketServer;
  let url: string;
  const pairs: Pair[] = [];

  beforeEach(async () => {
    wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
    httpServer = http.createServer();
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    url = `ws://127.0.0.1:${(httpServer.address() as net.AddressInfo).port}/live`;
  });

  afterEach(async () => {
    for (const { client } of pairs.splice(0)) client.terminate();
    await new Promise((resolve) => httpServer.close(resolve));
    vi.restoreAllMocks();
  });

  /** Opens one connection (one at a time); the server side is handed over as the worker's admission does it. */
  async function connect(server: WebSocketServer = wss): Promise<Pair> {
    const accepted = new Promise<{ ws: WebSocket; socket: Duplex }>((resolve) =>
      httpServer.once("upgrade", (req, socket, head) => server.handleUpgrade(req, socket, head, (ws) => resolve({ ws, socket }))),
    );
    const client = new WebSocket(url);
    const received: Pair["received"] = [];
    const errors: Error[] = [];
    client.on("message", (data, binary) => received.push({ text: String(data), binary }));
    client.on("error", (err) => errors.push(err));
    const [{ ws, socket }] = await Promise.all([accepted, new Promise((resolve) => client.once("open", resolve))]);
    const pair: Pair = { server: ws, socket, client, received, errors };
    pairs.push(pair);
    return pair;
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 500 && !check(); i++) await nextTurn();
    if (!check()) throw new Error(`timed out waiting for ${what}`);
  }

  it("delivers each frame whole, as text, at every length encoding (7-bit, 16-bit and 64-bit) and between ws's own pings", async () => {
    const { server, socket, client, received, errors } = await connect();
    const sink = new SocketFrameSink(server, socket, new WriteCoalescer());
    let pongs = 0;
    server.on("pong", () => pongs++);
    // Multi-byte characters: the header must carry the byte length, not the string's length.
    const payloads: Array<Buffer | string> = [
      '{"type":"HEARTBEAT"}',
      "é".repeat(62) + "x",
      "a".repeat(125),
      Buffer.from("b".repeat(126)),
      "ü".repeat(100),
      Buffer.from("c".repeat(65_535)),
      "d".repeat(65_536),
      Buffer.from("€".repeat(30_000)),
    ];
    for (const payload of payloads) {
      sink.send(payload);
      server.ping();
    }
    await until(() => received.length === payloads.length && pongs === payloads.length, "every frame and pong");
    expect(received).toEqual(payloads.map((p) => ({ text: p.toString(), binary: false })));
    expect(errors).toEqual([]);
    expect(client.readyState).toBe(WebSocket.OPEN);
  });

  it("builds a shared payload's frame once for any number of sockets, and writes that one Buffer to each", async () => {
    const sockets: Pair[] = [];
    for (let i = 0; i < 5; i++) sockets.push(await connect());
    const coalescer = new WriteCoalescer();
    const sinks = sockets.map(({ server, socket }) => new SocketFrameSink(server, socket, coalescer));
    // Spies call through: the frames still go out.
    const writes = sockets.map(({ socket }) => vi.spyOn(socket, "write"));
    const frame = vi.spyOn((wsLib as unknown as { Sender: { frame: () => unknown } }).Sender, "frame");
    const telemetry = Buffer.from('{"type":"TELEMETRY","patrolId":7,"lat":9.9,"lon":76.3,"ts":1}');
    for (const sink of sinks) sink.send(telemetry);
    expect(frame).toHaveBeenCalledTimes(1);
    const written = writes.flatMap((write) => write.mock.calls.map(([chunk]) => chunk as unknown));
    expect(written).toHaveLength(5);
    for (const chunk of written) expect(chunk).toBe(written[0]);
    expect(written[0]).toEqual(textFrame(telemetry));
    await until(() => sockets.every((s) => s.received.length === 1), "the frame on every socket");
    for (const { received } of sockets) expect(received).toEqual([{ text: telemetry.toString(), binary: false }]);
  });

  it("writes nothing once the socket is closing: ws's close frame is the last thing on the wire", async () => {
    const { server, socket, client, received, errors } = await connect();
    const sink = new SocketFrameSink(server, socket, new WriteCoalescer());
    const closed = new Promise<number>((resolve) => client.once("close", (code) => resolve(code)));
    sink.send("before");
    server.close(4001, "bye");
    const write = vi.spyOn(socket, "write");
    sink.send("after");
    expect(write).not.toHaveBeenCalled();
    expect(await closed).toBe(4001);
    expect(received.map((m) => m.text)).toEqual(["before"]);
    expect(errors).toEqual([]);
  });

  it("counts what it wrote and the kernel has not taken yet in the socket's bufferedAmount", async () => {
    const { server, socket } = await connect();
    const sink = new SocketFrameSink(server, socket, new WriteCoalescer());
    const payload = Buffer.from("x".repeat(1_000));
    socket.cork();
    sink.send(payload);
    expect(server.bufferedAmount).toBe(textFrame(payload).length);
    expect(sink.bufferedAmount).toBe(server.bufferedAmount);
    socket.uncork();
  });

  it("refuses a socket that negotiated an extension (compressed frames cannot be written raw)", async () => {
    const deflating = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: true });
    const { server, socket } = await connect(deflating);
    expect(server.extensions).toBe("permessage-deflate");
    expect(() => new SocketFrameSink(server, socket, new WriteCoalescer())).toThrow(/without extensions/);
  });
});
