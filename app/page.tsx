import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";

// `/` – signed-in users go to their map, everyone else to the login page.
export default async function Home() {
  redirect((await currentUser()) ? "/map" : "/login");
}
