import { describe, expect, it } from "vitest";
import { encodeHeartbeatFrame } from "../lib/realtime/protocol";
import { Outbox, type FrameSink } from "./outbox";

/** A socket whose buffered amount the test sets, recording what was written. */
class FakeSocket implements FrameSink {
  bufferedAmount = 0;
  readonly written: string[] = [];
  send(payload: Buffer | string): void {
    this.written.push(payload.toString());
  }
}

const THRESHOLD = 1000;
const telemetry = (patrolId: number, ts: number) => Buffer.from(JSON.stringify({ type: "TELEMETRY", patrolId, lat: 9.9, lon: 76.2, ts }));
const event = (name: string, patrolId: number) => JSON.stringify({ type: "SYSTEM_EVENT", event: name, patrol: { patrolId } });

function setup(maxQueuedEvents = 100) {
  const socket = new FakeSocket();
  let overflows = 0;
  const outbox = new Outbox(socket, { conflateBytes: THRESHOLD, maxQueuedEvents }, () => overflows++);
  return { socket, outbox, overflows: () => overflows };
}

describe("Outbox", () => {
  it("writes frames straight through, as the exact bytes, while the socket keeps up", () => {
    const { socket, outbox } = setup();
    const frame = telemetry(1, 1);
    outbox.sendTelemetry(1, frame);
    outbox.sendEvent(event("ADD_CAR", 2), "ADD_CAR");
    expect(socket.written).toEqual([frame.toString(), event("ADD_CAR", 2)]);
  });

  it("keeps only the latest frame per patrol while the socket is behind, and sends it on drain", () => {
    const { socket, outbox } = setup();
    socket.bufferedAmount = THRESHOLD + 1;
    for (let ts = 1; ts <= 10_000; ts++) outbox.sendTelemetry(ts % 2 === 0 ? 1 : 2, telemetry(ts % 2 === 0 ? 1 : 2, ts));
    expect(socket.written).toEqual([]);
    expect(outbox.pendingBytes).toBeLessThan(THRESHOLD + 2 * telemetry(1, 10_000).length + 1);
    socket.bufferedAmount = 0;
    outbox.flush();
    const sent = socket.written.map((f) => JSON.parse(f) as { patrolId: number; ts: number });
    expect(sent.sort((a, b) => a.patrolId - b.patrolId)).toEqual([
      expect.objectContaining({ patrolId: 1, ts: 10_000 }),
      expect.objectContaining({ patrolId: 2, ts: 9_999 }),
    ]);
  });

  it("never drops system events and sends them in order, before the conflated telemetry", () => {
    const { socket, outbox } = setup();
    socket.bufferedAmount = THRESHOLD + 1;
    outbox.sendTelemetry(1, telemetry(1, 1));
    outbox.sendEvent(event("ADD_CAR", 2), "ADD_CAR");
    outbox.sendTelemetry(2, telemetry(2, 2));
    outbox.sendEvent(event("ADD_CAR", 3), "ADD_CAR");
    outbox.sendEvent(event("REMOVE_CAR", 3), "REMOVE_CAR");
    socket.bufferedAmount = 0;
    outbox.flush();
    expect(socket.written).toEqual([
      event("ADD_CAR", 2),
      event("ADD_CAR", 3),
      event("REMOVE_CAR", 3),
      telemetry(1, 1).toString(),
      telemetry(2, 2).toString(),
    ]);
  });

  it("sends nothing of a removed patrol after its REMOVE_CAR", () => {
    const { socket, outbox } = setup();
    socket.bufferedAmount = THRESHOLD + 1;
    outbox.sendTelemetry(1, telemetry(1, 1));
    outbox.forget(1);
    outbox.sendEvent(event("REMOVE_CAR", 1), "REMOVE_CAR");
    socket.bufferedAmount = 0;
    outbox.flush();
    expect(socket.written).toEqual([event("REMOVE_CAR", 1)]);
  });

  it("stays in conflation mode while the flush itself leaves the socket behind", () => {
    const { socket, outbox } = setup();
    socket.bufferedAmount = THRESHOLD + 1;
    outbox.sendTelemetry(1, telemetry(1, 1));
    outbox.flush();
    expect(socket.written).toHaveLength(1);
    socket.bufferedAmount = 0;
    outbox.sendTelemetry(1, telemetry(1, 2));
    expect(socket.written).toHaveLength(1);
    outbox.flush();
    outbox.sendTelemetry(1, telemetry(1, 3));
    expect(socket.written).toHaveLength(3);
  });

  it("lets a SNAPSHOT supersede everything queued before it", () => {
    const { socket, outbox } = setup();
    socket.bufferedAmount = THRESHOLD + 1;
    outbox.sendTelemetry(1, telemetry(1, 1));
    outbox.sendEvent(event("ADD_CAR", 2), "ADD_CAR");
    outbox.sendSnapshot('{"type":"SNAPSHOT"}');
    socket.bufferedAmount = 0;
    outbox.flush();
    expect(socket.written).toEqual(['{"type":"SNAPSHOT"}']);
  });

  it("bounds queued system events: past the limit they are discarded and a re-sync is requested", () => {
    const { socket, outbox, overflows } = setup(10);
    socket.bufferedAmount = THRESHOLD + 1;
    for (let i = 0; i < 10; i++) outbox.sendEvent(event("ADD_CAR", i), "ADD_CAR");
    expect(overflows()).toBe(0);
    outbox.sendEvent(event("ADD_CAR", 10), "ADD_CAR");
    expect(overflows()).toBe(1);
    expect(outbox.pendingBytes).toBe(THRESHOLD + 1);
  });

  it("sends a HEARTBEAT only after a silence of the keepalive period, and never to a socket that is behind", () => {
    const { socket, outbox } = setup();
    const start = Date.now();
    const beat = (at: number) => encodeHeartbeatFrame(at);
    expect(outbox.keepalive(start + 1_000, 2_000, beat(start + 1_000))).toBe(false);
    expect(outbox.keepalive(start + 2_500, 2_000, beat(start + 2_500))).toBe(true);
    expect(JSON.parse(socket.written.at(-1)!)).toEqual({ type: "HEARTBEAT", at: start + 2_500 });
    // A frame just went out: not silent.
    outbox.sendTelemetry(1, telemetry(1, 1));
    expect(outbox.keepalive(Date.now() + 500, 2_000, beat(0))).toBe(false);
    // Behind: its queue goes first, no heartbeat jumps it.
    socket.bufferedAmount = THRESHOLD + 1;
    outbox.sendTelemetry(1, telemetry(1, 2));
    const written = socket.written.length;
    expect(outbox.keepalive(Date.now() + 60_000, 2_000, beat(0))).toBe(false);
    expect(socket.written).toHaveLength(written);
  });
});
