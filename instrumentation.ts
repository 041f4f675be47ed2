// Runs once when a Next server process starts.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Before any request is served: per-IP limits need the TCP peer address, which route handlers cannot see.
  const { installEdgeGuard } = await import("./lib/http/edge-guard");
  installEdgeGuard();
  const { watchStatePlane } = await import("./lib/patrols/watch-state-plane");
  watchStatePlane();
}
