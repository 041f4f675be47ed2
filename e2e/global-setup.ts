import { existsSync } from "node:fs";
import { startTestStack } from "../scripts/stack";
import { TEST_SECRETS } from "../test/secrets";
import { CHROMIUM_PATH } from "./chromium";

/**
 * Starts the e2e stack — a fresh database seeded `demo`, a private Redis and
 * the production web server — and exposes its URL as `E2E_BASE_URL` for the
 * workers. Playwright calls the returned function as the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH.`);
  }
  const stack = await startTestStack({ label: "e2e", seedProfile: "demo", secrets: TEST_SECRETS });
  process.env.E2E_BASE_URL = stack.baseUrl;
  return () => stack.stop();
}
