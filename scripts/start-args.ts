/** What `npm start -- …` was asked for: the roles of `serverProcesses` to run, in their order there. */
export interface StartArgs {
  roles: string[];
}

/** Thrown for arguments `npm start` does not understand; its message says what is valid. */
export class StartArgsError extends Error {}

const USAGE = "Usage: npm start [-- --only ROLE[,ROLE…]]";

/**
 * Parses `npm start`'s arguments against the valid role names (`serverProcesses`' names, in their order):
 * `--only web,realtime` (or `--only=web`, or `--only` given more than once) runs just those; no arguments run all.
 * Roles come back in the order of `valid`, each once. Throws StartArgsError naming the valid roles for an unknown
 * one, an empty list or any other argument.
 */
export function parseStartArgs(argv: readonly string[], valid: readonly string[]): StartArgs {
  const asked: string[] = [];
  let sawOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let list: string | undefined;
    if (arg === "--only") {
      list = argv[++i];
      if (list === undefined || list.startsWith("--")) {
        throw new StartArgsError(`--only needs a list of roles (one or more of ${valid.join(", ")}). ${USAGE}`);
      }
    } else if (arg.startsWith("--only=")) {
      list = arg.slice("--only=".length);
    } else {
      throw new StartArgsError(`Unknown argument "${arg}". ${USAGE}, ROLE one of ${valid.join(", ")}.`);
    }
    sawOnly = true;
    asked.push(...list.split(",").map((r) => r.trim()).filter(Boolean));
  }
  if (!sawOnly) return { roles: [...valid] };
  if (asked.length === 0) throw new StartArgsError(`--only needs a list of roles (one or more of ${valid.join(", ")}). ${USAGE}`);
  const unknown = [...new Set(asked.filter((r) => !valid.includes(r)))];
  if (unknown.length > 0) {
    const names = unknown.map((r) => `"${r}"`).join(", ");
    throw new StartArgsError(`Unknown role${unknown.length > 1 ? "s" : ""} ${names}: the roles are ${valid.join(", ")}.`);
  }
  return { roles: valid.filter((r) => asked.includes(r)) };
}
