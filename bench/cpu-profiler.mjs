// Preloaded by `npm run bench -- --profile DIR` through NODE_OPTIONS="--import …" (which may not carry --cpu-prof):
// samples this process's CPU with the inspector and writes DIR/<pid>.cpuprofile when the process exits.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import path from "node:path";

const dir = process.env.SENTINEL_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // The in-thread session answers synchronously, so this also works inside an "exit" listener.
    session.post("Profiler.stop", (err, result) => {
      if (!err) writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on("exit", write);
  // A SIGTERM listener disables Node's default exit, so exit ourselves unless the program handles SIGTERM too.
  process.on("SIGTERM", () => {
    write();
    if (process.listenerCount("SIGTERM") === 1) process.exit(143);
  });
}
