import type { ReactNode } from "react";
import { SignOutButton } from "./sign-out-button";

/**
 * The top bar of the signed-in pages (live map, replay): brand, page title, a link to the other page, the
 * admin console for administrators, the user's name (bidi-isolated: it is user-supplied) and sign-out.
 */
export function PageHeader({ title, user, link }: { title: ReactNode; user: { name: string; role: string }; link: { href: string; label: string } }) {
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" /> Sentinel
      </div>
      <h1 className="scope-title" data-testid="scope-name">
        {title}
      </h1>
      <div className="who">
        <a href={link.href}>{link.label}</a>
        {user.role === "ADMIN" && <a href="/admin">Admin console</a>}
        <bdi data-testid="user-name">{user.name}</bdi>
        <SignOutButton />
      </div>
    </header>
  );
}
