import type { WebSocket } from "ws";

/**
 * Pings every watched socket each interval and terminates one that did not
 * answer the previous ping — a browser that vanished without a close frame
 * (sleeping laptop, dropped network) would otherwise hold its subscriptions.
 */
export class Heartbeat {
  private readonly sockets = new Set<WebSocket>();
  private readonly answered = new WeakSet<WebSocket>();
  private timer: NodeJS.Timeout | null = null;
  /** Listeners shared by every socket (ws calls them with the socket as `this`), rather than two closures per socket. */
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;

  /** `intervalMs`: REALTIME_HEARTBEAT_MS (default 15 s). */
  constructor(private readonly intervalMs: number) {
    const { sockets, answered } = this;
    this.onPong = function (this: WebSocket) {
      answered.add(this);
    };
    this.onClose = function (this: WebSocket) {
      sockets.delete(this);
    };
  }

  /** Starts pinging. */
  start(): void {
    this.timer ??= setInterval(() => this.beat(), this.intervalMs);
  }

  /** Stops pinging. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Watches `ws` until it closes. */
  watch(ws: WebSocket): void {
    this.sockets.add(ws);
    this.answered.add(ws);
    ws.on("pong", this.onPong);
    ws.on("close", this.onClose);
  }

  private beat(): void {
    for (const ws of this.sockets) {
      if (!this.answered.has(ws)) {
        ws.terminate();
        continue;
      }
      this.answered.delete(ws);
      ws.ping();
    }
  }
}
