import type { Worker } from "node:cluster";
import type { Server } from "node:http";
import net from "node:net";
import type { Logger } from "pino";
import { refusal } from "./errors";
import { ANY, targetOfTicket, type Placer, type PlacementTarget } from "./placement";
import { refuseUpgrade } from "./upgrade-auth";

/**
 * Scope-affine placement's plumbing (REALTIME_PLACEMENT=scope): the primary accepts every connection on
 * REALTIME_PORT, reads its HTTP request head, asks the Placer for a worker and sends it the socket with the bytes it
 * read (the way `@socket.io/sticky` hands off sockets); the worker feeds both to its HTTP server as if it had accepted
 * the connection itself, and says when the socket closed so the primary's book stays true.
 */

/** IPC message carrying a socket from the primary to a worker. */
export const HANDOFF_MESSAGE = "sentinel:socket";
/** IPC message from a worker: a socket it was handed closed. */
export const RELEASED_MESSAGE = "sentinel:socket-closed";
/** IPC message from a worker: it listens and can take sockets. */
export const READY_MESSAGE = "sentinel:ready";

/** The longest request line the primary reads (an upgrade's is < 1 KiB; Node's limit for a whole head is 16 KiB). */
const MAX_HEAD_BYTES = 16 * 1024;
const LINE_END = Buffer.from("\r\n");
/** What the first bytes of an HTTP request look like: a method (letters) then a space, or a method still arriving. */
const REQUEST_LINE_START = /^[A-Z]{1,16}(?: |$)/;

interface HandoffMessage {
  type: typeof HANDOFF_MESSAGE;
  /** What the primary read of the request (its request line at least), base64. */
  head: string;
  target: PlacementTarget;
}

interface ReleasedMessage {
  type: typeof RELEASED_MESSAGE;
  target: PlacementTarget;
}

/** What the primary's listener needs. */
export interface HandoffDeps {
  placer: Placer;
  /** The live worker with this cluster id, if it is still there. */
  worker(id: number): Worker | undefined;
  /** REALTIME_HANDSHAKE_TIMEOUT_MS: a connection must send its request line within it. */
  handshakeTimeoutMs: number;
  log: Logger;
}

/**
 * The primary's server on REALTIME_PORT: reads each connection's request line (bounded in size and time, so a
 * slow or silent client ties up nothing), places it by its ticket, and hands it to that worker. Requests without a
 * ticket (health checks, metrics) go to the least-loaded worker.
 */
export function handoffServer(deps: HandoffDeps): net.Server {
  const { placer, log } = deps;
  return net.createServer({ pauseOnConnect: true }, (socket) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => socket.destroy(), deps.handshakeTimeoutMs);
    const stop = () => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.pause();
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const head = Buffer.concat(chunks, size);
      // The ticket is in the request line: once it is complete the worker takes the rest (its HTTP server times out
      // slow headers). Bytes that cannot start a request line go to a worker at once, whose parser answers 400.
      if (head.includes(LINE_END) || !REQUEST_LINE_START.test(head.subarray(0, 17).toString("latin1"))) {
        stop();
        hand(socket, head);
      } else if (size > MAX_HEAD_BYTES) {
        stop();
        refuseUpgrade(socket, refusal("HEADERS_TOO_LARGE"));
      }
    };
    socket.on("data", onData);
    socket.on("error", (err) => log.debug({ err: err.message }, "socket error before hand-off"));
    socket.once("close", () => clearTimeout(timer));
    socket.resume();
  });

  function hand(socket: net.Socket, head: Buffer): void {
    const target = targetOfRequest(head);
    const workerId = placer.place(target);
    const worker = workerId === null ? undefined : deps.worker(workerId);
    if (workerId === null || !worker) {
      if (workerId !== null) placer.remove(workerId);
      return refuseUpgrade(socket, refusal("UNAVAILABLE"));
    }
    log.debug({ target, worker: workerId, loads: Object.fromEntries(placer.loads()) }, "socket placed");
    const message: HandoffMessage = { type: HANDOFF_MESSAGE, head: head.toString("base64"), target };
    worker.send(message, socket, { keepOpen: false }, (err) => {
      if (!err) return;
      log.warn({ err: err.message, worker: workerId }, "socket hand-off failed");
      placer.release(workerId, target);
      socket.destroy();
    });
  }
}

/** The placement target of a request head: its ticket's, or ANY. */
export function targetOfRequest(head: Buffer): PlacementTarget {
  const line = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
  const target = /^[A-Z]+ (\S+) HTTP\/1\.[01]$/.exec(line)?.[1];
  if (!target) return ANY;
  try {
    return targetOfTicket(new URL(target, "http://realtime.invalid").searchParams.get("ticket"));
  } catch {
    return ANY;
  }
}

/** In the primary: keeps the Placer's book from the workers' messages. */
export function followWorker(worker: Worker, placer: Placer): void {
  worker.on("message", (message: { type?: string; target?: PlacementTarget }) => {
    if (message?.type === READY_MESSAGE) placer.add(worker.id);
    else if (message?.type === RELEASED_MESSAGE && message.target) placer.release(worker.id, message.target);
  });
}

/**
 * In a worker: takes the sockets the primary hands over and gives each to `server` with the bytes the primary
 * already read, then tells the primary it is ready. The primary is told when each socket closes.
 */
export function adoptHandedSockets(server: Server): void {
  process.on("message", (message: HandoffMessage | { type?: string }, handle?: unknown) => {
    if (message?.type !== HANDOFF_MESSAGE || !(handle instanceof net.Socket)) return;
    const { head, target } = message as HandoffMessage;
    handle.once("close", () => process.send?.({ type: RELEASED_MESSAGE, target } satisfies ReleasedMessage));
    server.emit("connection", handle);
    // The HTTP parser reads the socket from here on; the head the primary read goes in first.
    handle.emit("data", Buffer.from(head, "base64"));
    handle.resume();
  });
  process.send?.({ type: READY_MESSAGE });
}
