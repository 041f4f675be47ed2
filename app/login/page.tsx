import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { safeCallbackPath } from "@/lib/auth/safe-callback";
import { currentUser, SESSION_REVOKED } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

/** What the form says for the `error` a redirect here carries. */
const LOGIN_MESSAGES: Record<string, string> = {
  SessionRequired: "Please sign in to continue.",
  [SESSION_REVOKED]: "Your access was changed or revoked by an administrator. Sign in again to continue.",
};

// `/login` – the sign-in form; a signed-in user goes straight to the map.
export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[] }> }) {
  if (await currentUser()) redirect("/map");
  const { callbackUrl, error } = await searchParams;
  const safeCallback = safeCallbackPath(typeof callbackUrl === "string" ? callbackUrl : undefined, new URL(env.NEXTAUTH_URL).origin);
  return (
    <main className="center-page">
      <div className="card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" /> Sentinel
        </div>
        <p className="muted">Live patrol tracking. Sign in with your command account.</p>
        <LoginForm callbackUrl={safeCallback} initialError={typeof error === "string" ? LOGIN_MESSAGES[error] : undefined} />
      </div>
    </main>
  );
}
