import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { safeCallbackPath } from "@/lib/auth/safe-callback";
import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

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
        <LoginForm callbackUrl={safeCallback} initialError={error === "SessionRequired" ? "Please sign in to continue." : undefined} />
      </div>
    </main>
  );
}
