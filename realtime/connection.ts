import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import type { TicketClaims, VerifiedTicket } from "../lib/auth/tokens";
import { refuse } from "./admission";
import { ClientSession, type SessionContext } from "./client-session";
import { refusal, type RealtimeError } from "./errors";
import { SocketFrameSink } from "./frame-writer";
import type { Heartbeat } from "./heartbeat";
import type { OutboxLimits } from "./outbox";
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
  limits: OutboxLimits;
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
  const connection = new SocketConnection(ws, socket, claims, deps);
  connection.session.log.info({ role: claims.role }, "client connected");
  connection.session.start();
  return connection;
}

/**
 * An admitted socket and its session. Thousands of these sit idle on a worker, so what each holds is kept small:
 * one listener per event (no `once` wrappers), methods on the prototype rather than closures, and the `closed`
 * promise only made when someone waits for it (a shutdown).
 */
class SocketConnection implements Connection {
  readonly session: ClientSession;
  private waiting: { promise: Promise<void>; resolve: () => void } | null = null;
  private ended = false;

  constructor(
    private readonly ws: WebSocket,
    socket: Duplex,
    readonly claims: VerifiedTicket,
    deps: ConnectionDeps,
  ) {
    // Conflation waits for "drain", which the socket only emits once its buffer passed its high-water mark.
    const limits =
      socket.writableHighWaterMark > deps.limits.conflateBytes ? { ...deps.limits, conflateBytes: socket.writableHighWaterMark } : deps.limits;
    const session = new ClientSession(claims, new SocketFrameSink(ws, socket, deps.coalescer), limits, deps.session, (err) => this.close(err));
    this.session = session;
    deps.connections.add(this);
    socket.on("drain", () => session.flush());
    // The feed is receive-only: a client that sends data is broken or probing (closed on its first message).
    ws.on("message", () => {
      if (ws.readyState === WebSocket.OPEN) this.close(refusal("CLIENT_MESSAGE"));
    });
    ws.on("error", (err) => session.log.debug({ err: err.message }, "socket error"));
    ws.on("close", (code) => {
      this.ended = true;
      session.close();
      deps.connections.remove(this);
      this.waiting?.resolve();
      session.log.info({ code }, "client disconnected");
    });
    deps.heartbeat.watch(ws);
  }

  get closed(): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (!this.waiting) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiting = { promise, resolve };
    }
    return this.waiting.promise;
  }

  close(err: RealtimeError): void {
    refuse(this.ws, err, this.session.log);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
