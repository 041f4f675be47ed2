/**
 * The machine's Chromium (Debian package `chromium`): Playwright never
 * downloads a browser here. `CHROMIUM_PATH` overrides the default
 * `/usr/bin/chromium`.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Launch flags for a closed network and a container (see the environment notes). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  // Without this Chromium floods the closed network with refused connections.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
