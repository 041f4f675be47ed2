import { inject } from "vitest";
import { signIn } from "../scripts/simulator/sign-in";
import { TEST_SECRETS } from "./secrets";

/** Base URL of the suite's web server. */
export const baseUrl = () => inject("baseUrl");

/** Demo logins created by the `demo` seed (see README). */
export const DEMO = {
  admin: "admin@sentinel.local",
  district: "district@sentinel.local",
  zone: "zone@sentinel.local",
  division: "division@sentinel.local",
  station: "station@sentinel.local",
  password: TEST_SECRETS.DEMO_PASSWORD,
} as const;

/** A signed-in browser-like client: carries the session cookie on every request. */
export interface UserClient {
  cookie: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Signs in over HTTP as next-auth documents it: csrf → credentials callback → session cookie. */
export async function login(email: string, password: string = DEMO.password): Promise<UserClient> {
  const base = baseUrl();
  const cookie = await signIn(base, email, password);
  return {
    cookie,
    fetch: (path, init = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } }),
  };
}

/** JSON request helper: returns status and parsed body. */
export async function call(
  path: string,
  opts: { method?: string; body?: unknown; token?: string; client?: UserClient; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers["content-type"] ??= "application/json";
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const init: RequestInit = {
    method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body),
  };
  const res = opts.client ? await opts.client.fetch(path, init) : await fetch(`${baseUrl()}${path}`, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body, headers: res.headers };
}
