// Preloaded by the benchmark into every server it starts (NODE_OPTIONS="--import …"): on SIGUSR2 the process runs
// full garbage collections and writes process.memoryUsage() to $SENTINEL_BENCH_MEMORY_DIR/<pid>.json, so memory per
// connected client is measured on live objects rather than on garbage V8 has not collected yet.
import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";

const dir = process.env.SENTINEL_BENCH_MEMORY_DIR;
/** Pause between the two collections: 100 ms. */
const SETTLE_MS = 100;
if (dir) {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  process.on("SIGUSR2", () => {
    gc();
    // V8 hands the pages it freed back to the OS on background threads: right after one full GC a process that had
    // 180 MB resident still showed 180 MB, and 81 MB after a second GC 100 ms later (and 10 s later). So: two.
    setTimeout(() => {
      gc();
      const file = path.join(dir, `${process.pid}.json`);
      // Written then renamed, so the benchmark never reads half a file.
      writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
      renameSync(`${file}.tmp`, file);
    }, SETTLE_MS);
  });
}
