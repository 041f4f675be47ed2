import { redirect } from "next/navigation";
import { AdminForbidden } from "@/components/admin/admin-forbidden";
import { currentUser } from "@/lib/auth/session";
import { describeScope } from "@/lib/org/describe-scope";
import "./admin/admin.css";

// The 403 page (`forbidden()`): today only /admin raises it, for signed-in non-administrators.
export default async function Forbidden() {
  const user = await currentUser();
  if (!user) redirect("/login");
  return <AdminForbidden name={user.name} email={user.email} scopeName={await describeScope(user.scope)} />;
}
