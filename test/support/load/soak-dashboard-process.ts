// A soak dashboard process (forked by scripts/soak.ts): holds many live connections and counts what they receive.
import { WebSocket } from "ws";
import { signRealtimeTicket } from "../../../lib/auth/tokens";
import { latencyBucket, LATENCY_BUCKETS_MS, type SoakClientCounts, type SoakClientSpec, type SoakCommand, type SoakReply } from "./soak-protocol";

/** Connections opened at once: 25. */
const CONNECT_BATCH = 25;
/** A dashboard without its SNAPSHOT by then counts as failed: 15 s. */
const CONNECT_TIMEOUT_MS = 15_000;
/** Pause before reopening a dropped connection, as the map's first backoff step: 500 ms. */
const RECONNECT_DELAY_MS = 500;

const TELEMETRY_PREFIX = '{"type":"TELEMETRY"';
const latency = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);

/** One dashboard: reconnects when dropped, counts TELEMETRY of the patrols it was shown. */
class SoakClient {
  readonly counts: SoakClientCounts;
  private readonly shown = new Set<number>();
  private ws: WebSocket | null = null;
  private closing = false;

  constructor(
    private readonly url: string,
    private readonly spec: SoakClientSpec,
  ) {
    this.counts = { userId: spec.userId, telemetry: 0, unknown: 0, snapshots: 0, reconnects: 0, open: false };
  }

  /** Opens the connection; resolves at its SNAPSHOT. */
  async open(): Promise<void> {
    const { ticket } = await signRealtimeTicket({ userId: this.spec.userId, role: this.spec.scope.level === "city" ? "ADMIN" : "COMMANDER", scope: this.spec.scope });
    const ws = new WebSocket(`${this.url}?ticket=${encodeURIComponent(ticket)}`, { handshakeTimeout: CONNECT_TIMEOUT_MS });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`user ${this.spec.userId}: no SNAPSHOT within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      ws.on("message", (data) => {
        if (this.onFrame(data.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.once("close", (code) => {
        clearTimeout(timer);
        this.counts.open = false;
        reject(new Error(`user ${this.spec.userId}: closed with ${code}`));
        if (!this.closing) this.reopen();
      });
    });
    ws.on("error", () => undefined);
    this.counts.open = true;
  }

  close(): void {
    this.closing = true;
    this.ws?.close();
  }

  /** Handles one frame; true when it was a SNAPSHOT. */
  private onFrame(text: string): boolean {
    if (text.startsWith(TELEMETRY_PREFIX)) {
      // The hot path: read the two fields with a regex rather than parsing thousands of frames a second.
      const patrolId = Number(/"patrolId":(\d+)/.exec(text)?.[1]);
      const ts = Number(/"ts":(\d+)/.exec(text)?.[1]);
      if (this.shown.has(patrolId)) this.counts.telemetry++;
      else this.counts.unknown++;
      latency[latencyBucket(Date.now() - ts)]!++;
      return false;
    }
    const frame = JSON.parse(text) as { type: string; event?: string; patrols?: Array<{ patrolId: number }>; patrol?: { patrolId: number } };
    if (frame.type === "SNAPSHOT") {
      this.shown.clear();
      for (const p of frame.patrols ?? []) this.shown.add(p.patrolId);
      this.counts.snapshots++;
      return true;
    }
    if (frame.event === "ADD_CAR") this.shown.add(frame.patrol!.patrolId);
    else if (frame.event === "REMOVE_CAR") this.shown.delete(frame.patrol!.patrolId);
    return false;
  }

  private reopen(): void {
    this.counts.reconnects++;
    setTimeout(() => {
      if (!this.closing) this.open().catch(() => undefined);
    }, RECONNECT_DELAY_MS);
  }
}

const clients: SoakClient[] = [];

function reply(message: SoakReply): void {
  process.send?.(message);
}

async function connect(url: string, specs: SoakClientSpec[]): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < specs.length; i += CONNECT_BATCH) {
    await Promise.all(
      specs.slice(i, i + CONNECT_BATCH).map(async (spec) => {
        const client = new SoakClient(url, spec);
        clients.push(client);
        await client.open().catch((err: unknown) => failed.push(err instanceof Error ? err.message : String(err)));
      }),
    );
  }
  return failed;
}

process.on("message", (command: SoakCommand) => {
  if (command.type === "connect") {
    void connect(command.url, command.clients).then((failed) => reply({ type: "connected", failed }));
  } else if (command.type === "report") {
    const { rss, heapUsed } = process.memoryUsage();
    reply({ type: "report", clients: clients.map((c) => ({ ...c.counts })), latency: [...latency], memory: { rss, heapUsed } });
  } else {
    for (const c of clients) c.close();
    reply({ type: "closed" });
    setTimeout(() => process.exit(0), 200).unref();
  }
});
// The soak died: nobody will read our counts.
process.on("disconnect", () => process.exit(0));
// Ctrl-C reaches the whole process group: the soak decides when we stop, so it can still report.
process.on("SIGINT", () => undefined);
