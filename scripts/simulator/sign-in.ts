/** Cookies a response sets, as `name=value` pairs. */
function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(";")[0]!);
}

/**
 * Signs in over HTTP the way next-auth documents it (csrf → credentials
 * callback) and returns the Cookie header carrying the session.
 */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = cookiesOf(csrfRes);
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const all = [...jar, ...cookiesOf(res)];
  if (!all.some((c) => /(^|__Secure-)next-auth\.session-token=/.test(c))) {
    throw new Error(`Sign-in failed for ${email} (HTTP ${res.status}): check the email and password.`);
  }
  return all.join("; ");
}
