import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { refuseWithoutOpsToken } from "../lib/http/ops-auth";
import { LIVE_PATH } from "./upgrade-auth";
import { METRICS_CONTENT_TYPE, clusterMetricsText } from "./metrics";

/** What the plain-HTTP endpoints report about the worker that answers. */
export interface OpsState {
  /** True when both Redis connections are ready. */
  redisReady(): boolean;
  /** True once the worker began its graceful shutdown. */
  shuttingDown(): boolean;
}

/**
 * Plain HTTP on REALTIME_PORT: `GET /healthz` (200 when this worker and its
 * Redis are up, else 503 naming what is down) and `GET /metrics` (the whole
 * cluster's Prometheus text); both answer 401 without the bearer token when
 * METRICS_TOKEN is set. Anything else is 404.
 */
export function opsRequestHandler(state: OpsState, log: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://realtime.invalid").pathname;
    if ((path === "/healthz" || path === "/metrics") && refuseWithoutOpsToken(req, res)) return;
    if (req.method === "GET" && path === "/healthz") {
      const redis = state.redisReady() ? "ok" : "down";
      const status = state.shuttingDown() ? "stopping" : redis === "ok" ? "ok" : "unavailable";
      json(res, status === "ok" ? 200 : 503, { status, redis, worker: process.pid });
      return;
    }
    if (req.method === "GET" && path === "/metrics") {
      clusterMetricsText()
        .then((text) => {
          res.writeHead(200, { "Content-Type": METRICS_CONTENT_TYPE, "Cache-Control": "no-store" });
          res.end(text);
        })
        .catch((err: unknown) => {
          log.error({ err: String(err) }, "metrics aggregation failed");
          json(res, 503, { error: { code: "METRICS_UNAVAILABLE", message: "Metrics could not be collected from every worker; retry." } });
        });
      return;
    }
    json(res, 404, {
      error: { code: "NOT_FOUND", message: `Nothing here: open a WebSocket on ${LIVE_PATH}, or GET /healthz or /metrics.` },
    });
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}
