import Link from "next/link";
import { SignOutButton } from "@/components/sign-out-button";

/** The top bar of /admin pages: brand, a way back to the live map, who is signed in. */
export function AdminTopbar({ name, context }: { name: string; context: string }) {
  return (
    <header className="topbar admin-topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" /> Sentinel <span className="brand-context">{context}</span>
      </div>
      <div className="who">
        <Link href="/map" className="topbar-link">
          Live map
        </Link>
        <bdi data-testid="user-name">{name}</bdi>
        <SignOutButton />
      </div>
    </header>
  );
}
