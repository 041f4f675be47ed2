import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { childrenOf, commandLine, listeningPorts, parentOf, processesWithEnv, rssBytes, stopProcessesWithEnv } from "./proc";

// A real process that listens on a free port and says which; the marker is in its environment.
const SERVER = `require("node:http").createServer().listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
});

async function listener(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["-e", SERVER], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  started.push(child);
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

describe("processes from /proc", () => {
  it("finds a process by its environment marker, with its listening port, and stops it", async () => {
    const mine = randomBytes(4).toString("hex");
    const { child, port } = await listener({ SENTINEL_PROC_TEST: mine });
    const other = await listener({ SENTINEL_PROC_TEST: `${mine}-other` });

    expect(processesWithEnv("SENTINEL_PROC_TEST", mine)).toEqual([child.pid]);
    expect(listeningPorts(child.pid!)).toEqual([port]);
    expect(commandLine(child.pid!)).toContain("createServer");
    expect(parentOf(child.pid!)).toBe(process.pid);
    expect(childrenOf(process.pid)).toEqual(expect.arrayContaining([child.pid, other.child.pid]));
    expect(rssBytes(child.pid!)).toBeGreaterThan(1024 * 1024);

    const exited = once(child, "exit");
    await stopProcessesWithEnv("SENTINEL_PROC_TEST", mine, 2_000);
    await exited;
    expect(processesWithEnv("SENTINEL_PROC_TEST", mine)).toEqual([]);
    expect(listeningPorts(child.pid!)).toEqual([]);
    expect(other.child.exitCode).toBeNull();
  });
});
