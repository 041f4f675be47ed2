import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { TicketClaims, VerifiedTicket } from "../lib/auth/tokens";
import { refuse } from "./admission";
import { ClientSession, type SessionContext } from "./client-session";
import { refusal, type RealtimeError } from "./errors";
import { SocketFrameSink } from "./frame-writer";
import type { Heartbeat } from "./heartbeat";
import type { OutboxOptions } from "./outbox";
import type { WriteCoalescer } from "./write-coalescer";

/** One open dashboard socket: who it is, its session, and how to end it. */
export interface Connection {
  readonly claims: TicketClaims;
  readonly session: ClientSession;
  /** Resolves once the socket closed (and the connection left the registry). */
  readonly closed: Promise<void>;
  /** Closes the socket with `err`'s close code and message (counted and logged as a refusal). */
  close(err: RealtimeError): void;
  /** Drops the socket at once, without a close handshake. */
  terminate(): void;
}

/**
 * The open connections of one worker, by user, so "every socket of user X"
 * (to count, re-sync or close them) is one lookup.
 */
export class ConnectionRegistry implements Iterable<Connection> {
  private readonly all = new Set<Connection>();
  private readonly byUser = new Map<number, Set<Connection>>();

  /** Registers an open connection. */
  add(connection: Connection): void {
    this.all.add(connection);
    const userId = connection.claims.userId;
    let mine = this.byUser.get(userId);
    if (!mine) this.byUser.set(userId, (mine = new Set()));
    mine.add(connection);
  }

  /** Forgets a closed connection. */
  remove(connection: Connection): void {
    this.all.delete(connection);
    const userId = connection.claims.userId;
    const mine = this.byUser.get(userId);
    mine?.delete(connection);
    if (mine?.size === 0) this.byUser.delete(userId);
  }

  /** The open connections of `userId` (empty when none). */
  ofUser(userId: number): ReadonlySet<Connection> {
    return this.byUser.get(userId) ?? new Set();
  }

  /** Number of open connections. */
  get size(): number {
    return this.all.size;
  }

  [Symbol.iterator](): Iterator<Connection> {
    return this.all.values();
  }
}

/** What wiring a socket needs from its worker. */
export interface ConnectionDeps {
  session: SessionContext;
  /** REALTIME_CONFLATE_BYTES and REALTIME_MAX_QUEUED_EVENTS. */
  limits: Omit<OutboxOptions, "onOverflow">;
  heartbeat: Heartbeat;
  connections: ConnectionRegistry;
  /** Frames of one turn of the event loop leave each socket in one write. */
  coalescer: WriteCoalescer;
}

/**
 * Wires an admitted socket: its ClientSession (which owns the socket's
 * outbox), the socket's events, the heartbeat and the registry, then starts
 * the connect sequence (SNAPSHOT).
 */
export function openConnection(ws: WebSocket, socket: Duplex, claims: VerifiedTicket, deps: ConnectionDeps): Connection {
  // Conflation waits for "drain", which the socket only emits once its buffer passed its high-water mark.
  const limits = { ...deps.limits, conflateBytes: Math.max(deps.limits.conflateBytes, socket.writableHighWaterMark) };
  const sink = new SocketFrameSink(ws, socket, deps.coalescer);
  const session: ClientSession = new ClientSession(claims, sink, limits, deps.session, (err) => close(err));
  const { log } = session;
  function close(err: RealtimeError): void {
    refuse(ws, err, log);
  }
  const connection: Connection = {
    claims,
    session,
    closed: new Promise((resolve) => ws.once("close", () => resolve())),
    close,
    terminate: () => ws.terminate(),
  };
  deps.connections.add(connection);
  socket.on("drain", () => session.flush());
  // The feed is receive-only: a client that sends data is broken or probing.
  ws.once("message", () => close(refusal("CLIENT_MESSAGE")));
  ws.on("error", (err) => log.debug({ err: err.message }, "socket error"));
  ws.once("close", (code) => {
    session.close();
    deps.connections.remove(connection);
    log.info({ code }, "client disconnected");
  });
  deps.heartbeat.watch(ws);
  log.info({ role: claims.role }, "client connected");
  session.start();
  return connection;
}
