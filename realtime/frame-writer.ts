import type { Duplex } from "node:stream";
import * as wsLib from "ws";
import { WebSocket } from "ws";
import type { FrameSink } from "./outbox";
import type { WriteCoalescer } from "./write-coalescer";

/** ws's frame encoder: `Sender.frame` (ws 8, lib/sender.js), which ws exports but @types/ws does not declare. */
interface FrameEncoder {
  /** The frame of `data`: its header, then `data` itself (unmasked, the payload is not copied); the header alone when empty. */
  frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): [Buffer, Buffer?];
}
const { Sender } = wsLib as unknown as { Sender: FrameEncoder };

/** A text frame as a server sends it: one fragment, unmasked (only clients mask, RFC 6455 §5.3), uncompressed. */
const SERVER_TEXT_FRAME = { fin: true, opcode: 0x1, mask: false, readOnly: false, rsv1: false };

/** Frames already built, by payload: a payload Buffer reaches every socket of its channel as the same object. */
const framed = new WeakMap<Buffer, Buffer>();

/**
 * The bytes of one WebSocket text frame carrying `payload`, header and payload in one Buffer. A Buffer payload —
 * TELEMETRY as Redis delivered it, a STATUS or ALERT frame, the HEARTBEAT of a tick — is framed once, however many
 * sockets it goes to, and its frame lives as long as the payload does. A string (one client's SNAPSHOT, ADD_CAR or
 * REMOVE_CAR) is framed each time.
 */
export function textFrame(payload: Buffer | string): Buffer {
  if (typeof payload === "string") return encode(Buffer.from(payload));
  let frame = framed.get(payload);
  if (frame === undefined) framed.set(payload, (frame = encode(payload)));
  return frame;
}

function encode(payload: Buffer): Buffer {
  const [header, data] = Sender.frame(payload, SERVER_TEXT_FRAME);
  return data ? Buffer.concat([header, data], header.length + data.length) : header;
}

/**
 * Writes frames to an admitted socket as prebuilt bytes (`textFrame`) on its stream, instead of `ws.send()`, which
 * frames the payload again for every socket: at a hot spot one TELEMETRY point goes to thousands of sockets in one
 * loop, and each write is then one `socket.write` of the same Buffer.
 *
 * Writing beside ws on the same stream is safe because, with permessage-deflate off (checked here), ws's Sender
 * writes each of its own frames (pings, pongs, the close frame) synchronously and whole: its queue only fills while
 * it compresses or reads a Blob, neither of which happens here. A frame of ours therefore never lands inside one of
 * its frames, and frames leave in the order they were written. Nothing is written once ws is closing (its close frame
 * is the last thing on the wire) or the stream is gone. What we write sits in the stream's buffer, which ws's
 * `bufferedAmount` counts (the stream's `writableLength` plus its Sender's own queue), so the outbox still sees a
 * slow socket. Frames of one turn leave in one write (`coalescer`).
 */
export class SocketFrameSink implements FrameSink {
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly coalescer: WriteCoalescer,
  ) {
    if (ws.extensions !== "") throw new Error(`raw frames need a socket without extensions; this one negotiated "${ws.extensions}"`);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(payload: Buffer | string): void {
    if (this.ws.readyState !== WebSocket.OPEN || this.socket.destroyed) return;
    this.coalescer.hold(this.socket);
    this.socket.write(textFrame(payload));
  }
}
