"use client";

import { signOut } from "next-auth/react";

/** Ends the session and returns to the login page. */
export function SignOutButton() {
  return (
    <button className="ghost" type="button" onClick={() => void signOut({ callbackUrl: "/login" })}>
      Sign out
    </button>
  );
}
