import { inject } from "vitest";
import { signIn } from "../../scripts/simulator/sign-in";
import { api, type ApiAnswer } from "./live-stack";
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

/** `api` against the suite's web server, with a signed-in client's cookie when given. */
export function call(
  path: string,
  opts: { method?: string; body?: unknown; token?: string; client?: UserClient; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  return api(baseUrl(), path, { method: opts.method, body: opts.body, token: opts.token, cookie: opts.client?.cookie, headers: opts.headers });
}
