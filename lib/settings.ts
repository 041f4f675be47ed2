import type { z } from "zod";

/** Error thrown when a process's settings are invalid; its message names each offending variable, `code` whose settings. */
export class SettingsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Validates `source` against `schema`. On failure throws a SettingsError with `code` whose message is
 * `heading`, one line per offending variable, then `hint` when given.
 */
export function parseSettings<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>, heading: string, code: string, hint?: string): z.infer<S> {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  throw new SettingsError(code, [`${heading}:`, ...lines, ...(hint ? [hint] : [])].join("\n"));
}

/** Runs a process's `load`; on invalid settings prints what is wrong and exits 1, so a process never starts misconfigured. */
export function settingsOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
