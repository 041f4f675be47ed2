import { existsSync } from "node:fs";
import { startTestStack } from "../test/support/stack";
import { TEST_SECRETS } from "../test/support/secrets";
import { CHROMIUM_PATH } from "./chromium";

/**
 * Starts the e2e stack — a fresh database seeded `demo`, a private Redis, the
 * production web server, the realtime sidecar and the history writer — and exposes its URL
 * (`E2E_BASE_URL`), environment (`E2E_STACK_ENV`) and sidecar pid
 * (`E2E_REALTIME_PID`) to the workers. Playwright calls the returned function as the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH.`);
  }
  const stack = await startTestStack({ label: "e2e", seedProfile: "demo", secrets: TEST_SECRETS, realtime: true, history: true });
  process.env.E2E_BASE_URL = stack.baseUrl;
  process.env.E2E_STACK_ENV = JSON.stringify(stack.env);
  process.env.E2E_REALTIME_PID = String(stack.realtime?.child.pid ?? "");
  // Also stops a sidecar a test restarted: it was started with the stack's environment, which names the stack.
  return () => stack.stop();
}
