import http from "node:http";

/**
 * The load's HTTP client: 127.0.0.1 only, keep-alive connections bounded in
 * number, every request bounded in time, and answers that never reject.
 */

/** Most sockets one load generator opens to a server: 64. */
export const MAX_SOCKETS = 64;

/** One HTTP exchange's outcome: a status, or the transport error's code. */
export interface Outcome {
  status: number;
  /** Response body text (small JSON for every endpoint the benchmark calls). */
  body: string;
  error?: string;
}

/** A keep-alive HTTP client for one server on 127.0.0.1. */
export class LocalHttpClient {
  private readonly agent: http.Agent;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets = MAX_SOCKETS) {
    const url = new URL(baseUrl);
    if (url.hostname !== "127.0.0.1") throw new Error(`load generators only target 127.0.0.1, not ${url.hostname}`);
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /**
   * Sends one request; never rejects (transport errors, and no answer within `timeoutMs` (default 10 s), come back as
   * status 0 with `error`). A request that finds its kept-alive socket already closed by the server (ECONNRESET on a
   * reused socket: the server's idle timeout raced the reuse, so the request never reached it) is sent once more on a
   * fresh socket, as Node's documentation recommends.
   */
  request(method: string, path: string, body?: string, headers: Record<string, string> = {}, timeoutMs = 10_000, resent = false): Promise<Outcome> {
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: body === undefined ? headers : { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on("error", (err) => resolve({ status: 0, body: "", error: (err as NodeJS.ErrnoException).code ?? err.message }));
        },
      );
      req.on("timeout", () => req.destroy(new Error("ETIMEDOUT")));
      req.on("error", (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ECONNRESET" && req.reusedSocket && !resent) return void resolve(this.request(method, path, body, headers, timeoutMs, true));
        resolve({ status: 0, body: "", error: code ?? err.message });
      });
      req.end(body);
    });
  }

  /** Closes every kept-alive socket. */
  close(): void {
    this.agent.destroy();
  }
}

/** Tally of outcomes: accepted ones and errors by status (or transport error code). */
export class OutcomeTally {
  accepted = 0;
  readonly errors: Record<string, number> = {};

  /** Counts one outcome; `ok` decides whether it was accepted. */
  add(outcome: Outcome, ok: boolean): void {
    if (ok) this.accepted++;
    else {
      const key = outcome.error ?? String(outcome.status);
      this.errors[key] = (this.errors[key] ?? 0) + 1;
    }
  }

  /** Total errors. */
  get errorCount(): number {
    return Object.values(this.errors).reduce((a, b) => a + b, 0);
  }
}
