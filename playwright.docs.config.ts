import { defineConfig } from "@playwright/test";
import e2e from "./playwright.config";

/**
 * `npm run docs:screenshots`: the README's screenshots (`e2e/docs/*.shot.ts`),
 * on the same isolated stack and browser as the e2e suite, which never runs them.
 */
export default defineConfig({
  ...e2e,
  testMatch: "**/*.shot.ts",
  reporter: "list",
  outputDir: "test-results/docs-artifacts",
});
