import { describe, expect, it } from "vitest";
import { StartArgsError, parseStartArgs } from "./start-args";

const ROLES = ["web", "realtime", "history"];

// `npm start -- --only …`: one machine runs the web tier, another the realtime tier.
describe("parseStartArgs", () => {
  it("runs every role without arguments", () => {
    expect(parseStartArgs([], ROLES).roles).toEqual(ROLES);
  });

  it("runs only the roles named, in the processes' order, each once", () => {
    expect(parseStartArgs(["--only", "web"], ROLES).roles).toEqual(["web"]);
    expect(parseStartArgs(["--only", "history,web"], ROLES).roles).toEqual(["web", "history"]);
    expect(parseStartArgs(["--only=realtime, history,realtime"], ROLES).roles).toEqual(["realtime", "history"]);
    expect(parseStartArgs(["--only", "history", "--only", "realtime"], ROLES).roles).toEqual(["realtime", "history"]);
  });

  it("refuses an unknown role, naming it and the valid ones", () => {
    expect(() => parseStartArgs(["--only", "web,worker"], ROLES)).toThrow(StartArgsError);
    expect(() => parseStartArgs(["--only", "web,worker"], ROLES)).toThrow('Unknown role "worker": the roles are web, realtime, history.');
    expect(() => parseStartArgs(["--only=Web"], ROLES)).toThrow(/"Web".*web, realtime, history/);
  });

  it("refuses an empty or missing list and any other argument", () => {
    for (const argv of [["--only"], ["--only="], ["--only", ","], ["--only", "--verbose"]]) {
      expect(() => parseStartArgs(argv, ROLES)).toThrow(/--only needs a list of roles \(one or more of web, realtime, history\)/);
    }
    expect(() => parseStartArgs(["web"], ROLES)).toThrow(/Unknown argument "web".*web, realtime, history/);
  });
});
