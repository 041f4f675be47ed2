import { CLOSE_CODE } from "@/lib/realtime/close-codes";
import type { ServerFrame } from "@/lib/realtime/protocol";
import type { ConnectionStatus } from "./fleet-store";

/** First reconnect delay: 500 ms, doubling up to 15 s, with ±50 % jitter so a restarted sidecar is not stampeded. */
export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 15_000;

/** Delay before reconnect attempt `attempt` (0-based): exponential with full jitter around the middle. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Silence after which a live connection counts as lost: the sidecar sends a HEARTBEAT after 2 s without another
 * frame, so a healthy socket is never quiet for 4 s. Checked every second: the badge changes within 5 s.
 */
export const SILENCE_LIMIT_MS = 4_000;
const WATCHDOG_INTERVAL_MS = 1_000;

export interface LiveConnectionOptions {
  onFrame(frame: ServerFrame): void;
  /** The connection's state and when the last frame arrived (epoch ms; null before the first). */
  onStatus(status: ConnectionStatus, lastFrameAt: number | null): void;
  /** A lost connection is live again (its SNAPSHOT arrived) after `gapMs` without a frame. */
  onReconnected(gapMs: number): void;
  /** Called when the session is no longer valid (ticket refused, 401): the page should go to /login. */
  onUnauthorized(): void;
}

/**
 * The browser side of the realtime protocol: fetches a ticket, opens the socket, parses frames, and reconnects
 * with backoff and a fresh ticket whenever the connection is lost: the socket closed, nothing (not even a
 * HEARTBEAT) arrived for `SILENCE_LIMIT_MS` — a dead TCP connection does not close for minutes — or the browser
 * went offline (then it waits for the `online` event instead of retrying). Returns a function that closes it for good.
 */
export function openLiveConnection(opts: LiveConnectionOptions): () => void {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by each connect: an attempt overtaken by a newer one (the `online` event) gives up quietly. */
  let generation = 0;
  let status: ConnectionStatus = "connecting";
  let lastFrameAt: number | null = null;
  /** The last frame before a live connection was lost; null while live or before the first connection. */
  let lostAfter: number | null = null;

  const report = (next: ConnectionStatus) => {
    status = next;
    opts.onStatus(next, lastFrameAt);
  };

  /** Leaves the current socket behind without waiting for its close, which on a dead connection never comes. */
  const abandonSocket = () => {
    const ws = socket;
    socket = null;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.close(4000, "connection lost");
  };

  const scheduleReconnect = () => {
    if (closed) return;
    clearTimeout(timer);
    // Retrying without a network only fails: the `online` event brings the next attempt.
    if (!navigator.onLine) return report("offline");
    report(attempt >= 6 ? "offline" : "reconnecting");
    timer = setTimeout(() => void connect(), reconnectDelay(attempt++));
  };

  const lose = () => {
    if (closed) return;
    abandonSocket();
    if (status === "live") lostAfter = lastFrameAt;
    scheduleReconnect();
  };

  async function connect() {
    if (closed) return;
    const current = ++generation;
    let ticket: { ticket: string; url: string };
    try {
      const res = await fetch("/api/realtime/ticket", { cache: "no-store", credentials: "same-origin" });
      if (res.status === 401) return opts.onUnauthorized();
      if (!res.ok) throw new Error(`ticket: HTTP ${res.status}`);
      ticket = (await res.json()) as { ticket: string; url: string };
    } catch {
      if (current === generation) scheduleReconnect();
      return;
    }
    if (closed || current !== generation) return;
    abandonSocket();
    const ws = new WebSocket(`${ticket.url}?ticket=${encodeURIComponent(ticket.ticket)}`);
    socket = ws;
    ws.onmessage = (event: MessageEvent<string>) => {
      lastFrameAt = Date.now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      // A keepalive only proves the connection lives: `lastFrameAt` above is all it is for.
      if (frame.type === "HEARTBEAT") return;
      if (frame.type === "SNAPSHOT") {
        attempt = 0;
        if (lostAfter !== null) opts.onReconnected(lastFrameAt - lostAfter);
        lostAfter = null;
        report("live");
      }
      opts.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      // A refused ticket means the session is no longer good for live data: sign in again.
      if (event.code === CLOSE_CODE.UNAUTHORIZED) return opts.onUnauthorized();
      lose();
    };
  }

  const watchdog = setInterval(() => {
    if (status === "live" && lastFrameAt !== null && Date.now() - lastFrameAt > SILENCE_LIMIT_MS) lose();
  }, WATCHDOG_INTERVAL_MS);
  const onOffline = () => lose();
  const onOnline = () => {
    if (closed || status === "live") return;
    clearTimeout(timer);
    attempt = 0;
    report("reconnecting");
    void connect();
  };
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);

  report("connecting");
  void connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    clearInterval(watchdog);
    window.removeEventListener("offline", onOffline);
    window.removeEventListener("online", onOnline);
    const ws = socket;
    socket = null;
    ws?.close(1000, "page closed");
  };
}
