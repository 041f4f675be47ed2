// Runs once when a Next server process starts.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { watchStatePlane } = await import("./lib/patrols/watch-state-plane");
  watchStatePlane();
}
