import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalServiceError, ownedSharedFolder } from "./local-services";

// The demo stages PostgreSQL's binaries in /var/tmp when run as root: a folder someone else made there first must not be used.
describe("ownedSharedFolder", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "sentinel-shared-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("makes a missing folder, closed to writes by others", () => {
    const dir = ownedSharedFolder(path.join(root, "staged"));
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(statSync(dir).mode & 0o022).toBe(0);
  });

  it("reuses a folder it made before", () => {
    const dir = ownedSharedFolder(path.join(root, "staged"));
    expect(ownedSharedFolder(dir)).toBe(dir);
  });

  it("refuses a folder others may write to", () => {
    const dir = path.join(root, "planted");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    expect(() => ownedSharedFolder(dir)).toThrow(LocalServiceError);
    expect(() => ownedSharedFolder(dir)).toThrow(/remove it/);
  });

  it("refuses a link, even to a folder of ours", () => {
    const target = ownedSharedFolder(path.join(root, "real"));
    const link = path.join(root, "link");
    symlinkSync(target, link);
    expect(() => ownedSharedFolder(link)).toThrow(LocalServiceError);
  });
});
