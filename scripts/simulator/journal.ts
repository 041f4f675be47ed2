import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The simulator's journal: which vehicles a run has put, or is about to put,
 * on patrol on one server, written before their first request. A run killed
 * outright (SIGKILL, power loss) cannot stop its patrols; the next run against
 * the same server reads the journal and adopts or stops them.
 */

/** What a journal file holds: the run's pid and the vehicle ids it may have on patrol. */
interface JournalFile {
  pid: number;
  vehicleIds: number[];
}

/** Default journal file of the simulator for the server at `base`: `<dir>/simulator-<host>-<port>.json`. */
export function journalPath(dir: string, base: string): string {
  const url = new URL(base);
  return path.join(dir, `simulator-${url.hostname}-${url.port || (url.protocol === "https:" ? 443 : 80)}.json`);
}

/** One run's journal: the vehicles a previous run left (`leftover`) and the set this run keeps on disk. */
export class Journal {
  /** Vehicle ids a previous run may have left on patrol. */
  readonly leftover: ReadonlySet<number>;
  private readonly ids: Set<number>;

  /**
   * Opens `file`. Throws when the run that wrote it is still alive: two
   * simulators would drive, adopt and stop the same vehicles.
   */
  constructor(readonly file: string) {
    let previous: JournalFile | null = null;
    try {
      previous = JSON.parse(readFileSync(file, "utf8")) as JournalFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`${file} is not a simulator journal (${(err as Error).message}); delete it.`);
    }
    if (previous && previous.pid !== process.pid && isAlive(previous.pid)) {
      throw new Error(`Another simulator (pid ${previous.pid}) is driving this server's fleet (journal ${file}); stop it first.`);
    }
    this.leftover = new Set(previous?.vehicleIds ?? []);
    this.ids = new Set(this.leftover);
  }

  /** Records vehicles about to be put on patrol, before any request for them is sent. */
  add(vehicleIds: Iterable<number>): void {
    for (const id of vehicleIds) this.ids.add(id);
    this.save();
  }

  /** Replaces the recorded vehicles (those still on patrol); an empty set deletes the file. */
  set(vehicleIds: Iterable<number>): void {
    this.ids.clear();
    for (const id of vehicleIds) this.ids.add(id);
    this.save();
  }

  private save(): void {
    if (!this.ids.size) {
      rmSync(this.file, { force: true });
      return;
    }
    mkdirSync(path.dirname(this.file), { recursive: true });
    // Write then rename: a run killed mid-write leaves the previous journal, never half of one.
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ pid: process.pid, vehicleIds: [...this.ids] } satisfies JournalFile));
    renameSync(tmp, this.file);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
