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

export interface LiveConnectionOptions {
  onFrame(frame: ServerFrame): void;
  onStatus(status: ConnectionStatus): void;
  /** Called when the session is no longer valid (ticket refused, 401): the page should go to /login. */
  onUnauthorized(): void;
}

/**
 * The browser side of the realtime protocol: fetches a ticket, opens the
 * socket, parses frames, and reconnects with backoff and a fresh ticket
 * whenever the socket closes. Returns a function that closes it for good.
 */
export function openLiveConnection(opts: LiveConnectionOptions): () => void {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const scheduleReconnect = () => {
    if (closed) return;
    opts.onStatus(attempt >= 6 ? "offline" : "reconnecting");
    timer = setTimeout(() => void connect(), reconnectDelay(attempt++));
  };

  async function connect() {
    if (closed) return;
    let ticket: { ticket: string; url: string };
    try {
      const res = await fetch("/api/realtime/ticket", { cache: "no-store", credentials: "same-origin" });
      if (res.status === 401) return opts.onUnauthorized();
      if (!res.ok) throw new Error(`ticket: HTTP ${res.status}`);
      ticket = (await res.json()) as { ticket: string; url: string };
    } catch {
      return scheduleReconnect();
    }
    if (closed) return;
    const ws = new WebSocket(`${ticket.url}?ticket=${encodeURIComponent(ticket.ticket)}`);
    socket = ws;
    ws.onmessage = (event: MessageEvent<string>) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === "SNAPSHOT") {
        attempt = 0;
        opts.onStatus("live");
      }
      opts.onFrame(frame);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      // A refused ticket means the session is no longer good for live data: sign in again.
      if (event.code === CLOSE_CODE.UNAUTHORIZED) return opts.onUnauthorized();
      scheduleReconnect();
    };
  }

  opts.onStatus("connecting");
  void connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    socket?.close(1000, "page closed");
  };
}
