import pino from "pino";
import { env } from "./env";

/** Structured logger: one JSON line per event, with ids, never secrets. */
export const log = pino({
  level: env.LOG_LEVEL,
  base: { pid: process.pid },
  redact: { paths: ["*.password", "*.secret", "*.token", "*.ticket", "password", "secret", "token"], censor: "[redacted]" },
});
