import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { describeScope } from "@/lib/org/describe-scope";
import { SignOutButton } from "@/components/sign-out-button";

export const metadata: Metadata = { title: "Live map" };

// `/map` – the commander's live map of their jurisdiction.
export default async function MapPage() {
  const user = await currentUser();
  if (!user) redirect("/login?callbackUrl=/map");
  const scopeName = await describeScope(user.scope);
  return (
    <>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" /> Sentinel
        </div>
        <div className="who">
          <span data-testid="user-name">{user.name}</span>
          <span className="muted" data-testid="scope-name">
            {scopeName}
          </span>
          <SignOutButton />
        </div>
      </header>
      <main style={{ padding: 24 }}>
        <h1>Live map — {scopeName}</h1>
        <p className="muted">The live map of your jurisdiction is coming here.</p>
      </main>
    </>
  );
}
