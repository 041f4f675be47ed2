// Preloaded by the benchmark into every server it starts (NODE_OPTIONS="--import …"): on SIGUSR2 the process runs a
// full garbage collection and writes process.memoryUsage() to $SENTINEL_BENCH_MEMORY_DIR/<pid>.json, so memory per
// connected client is measured on live objects rather than on garbage V8 has not collected yet.
import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";

const dir = process.env.SENTINEL_BENCH_MEMORY_DIR;
if (dir) {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  process.on("SIGUSR2", () => {
    gc();
    const file = path.join(dir, `${process.pid}.json`);
    // Written then renamed, so the benchmark never reads half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
    renameSync(`${file}.tmp`, file);
  });
}
