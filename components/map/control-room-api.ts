import type { NearestUnit } from "@/lib/patrols/nearest";
import type { AlertView, UnitStatus } from "@/lib/realtime/protocol";

/** What a dashboard command answered: the body, or a sentence saying what went wrong. */
export type CommandResult<T> = { ok: true; body: T } | { ok: false; message: string };

/**
 * Sends one request to the web tier with the session cookie and returns its JSON body, or the server's error
 * message (`{error:{message}}`), or a sentence naming the failure when there is none (network down, HTTP status).
 * A change (`body` given or `method` POST) is sent as JSON: the server refuses a change without a JSON content
 * type, which a cross-site form cannot send.
 */
export async function callApi<T>(path: string, init: { method?: "GET" | "POST"; body?: unknown; what: string }): Promise<CommandResult<T>> {
  const method = init.method ?? (init.body === undefined ? "GET" : "POST");
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      cache: "no-store",
      headers: method === "POST" ? { "content-type": "application/json" } : undefined,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    return { ok: false, message: `Could not ${init.what}: the server did not answer. Check the connection and try again.` };
  }
  const body = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (res.ok && body !== null) return { ok: true, body };
  return { ok: false, message: body?.error?.message ?? `Could not ${init.what} (HTTP ${res.status}).` };
}

/** `POST /api/patrols/{id}/status`: a commander sets a unit's duty status. */
export function setPatrolStatus(patrolId: number, status: UnitStatus, callSign: string) {
  return callApi<{ patrolId: number; status: UnitStatus; at: number }>(`/api/patrols/${patrolId}/status`, {
    body: { status },
    what: `set ${callSign}'s status`,
  });
}

/** `POST /api/alerts/{id}/ack` or `…/resolve`. The dashboards (this one too) learn the new state from the ALERT frame. */
export function changeAlert(alert: AlertView, action: "ack" | "resolve") {
  return callApi<AlertView>(`/api/alerts/${alert.alertId}/${action}`, {
    method: "POST",
    what: `${action === "ack" ? "acknowledge" : "resolve"} the alert of ${alert.callSign}`,
  });
}

/** `GET /api/patrols/nearest`: the units of the caller's scope nearest a point, nearest first. */
export function nearestUnits(lat: number, lon: number, onlyAvailable: boolean, limit = 5) {
  const q = new URLSearchParams({ lat: lat.toFixed(6), lon: lon.toFixed(6), limit: String(limit) });
  if (onlyAvailable) q.set("status", "AVAILABLE");
  return callApi<{ items: NearestUnit[] }>(`/api/patrols/nearest?${q}`, { what: "find the nearest units" });
}

/** `POST /api/patrols/{id}/stop` with the commander's reason, when given (stored on the patrol and in the audit log). */
export function stopPatrol(patrolId: number, callSign: string, reason: string) {
  const why = reason.trim();
  return callApi<unknown>(`/api/patrols/${patrolId}/stop`, { body: why ? { reason: why } : {}, what: `stop ${callSign}` });
}
