import type { Metadata } from "next";
import { UsersClient } from "@/components/admin/users-client";
import { signedInUserFor } from "../access";
import { loadLists } from "../load-lists";

export const metadata: Metadata = { title: "Users" };

// `/admin/users` – list, create, edit and delete users, with role and scope from the org tree
export default async function AdminUsersPage() {
  const user = await signedInUserFor("/admin/users");
  if (user.role !== "ADMIN") return null;
  return <UsersClient initial={await loadLists(["districts", "zones", "divisions", "stations", "users"])} currentUserId={user.id} />;
}
