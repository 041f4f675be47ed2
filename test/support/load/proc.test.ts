import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { childrenOf, commandLine, connectionPortsTo, envValue, IoWindow, listeningPorts, parentOf, processesWithEnv, rssBytes, stopProcessesWithEnv } from "./proc";

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

// A real process that connects to the port in argv, and on "go" writes five chunks, each in a write call of its own.
const WRITER = `const s = require("node:net").connect(Number(process.argv[1]), "127.0.0.1");
s.on("data", () => { let n = 0; const t = setInterval(() => { s.write("x"); if (++n === 5) clearInterval(t); }, 20); });`;

describe("a process's connections and syscalls from /proc", () => {
  it("finds the connection a process holds to a server, by the port the server sees, and counts its socket writes", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const serverPort = (server.address() as net.AddressInfo).port;
    const accepted = once(server, "connection") as Promise<[net.Socket]>;
    const mine = randomBytes(4).toString("hex");
    const child = spawn(process.execPath, ["-e", WRITER, String(serverPort)], { env: { ...process.env, SENTINEL_PROC_TEST: mine }, stdio: "ignore" });
    started.push(child);
    const [socket] = await accepted;
    try {
      expect(envValue(child.pid!, "SENTINEL_PROC_TEST")).toBe(mine);
      expect(envValue(child.pid!, "SENTINEL_PROC_TEST_UNSET")).toBeNull();
      expect(connectionPortsTo([child.pid!, process.pid], serverPort)).toEqual(
        new Map([
          [child.pid!, [socket.remotePort]],
          [process.pid, []],
        ]),
      );

      const io = new IoWindow(() => [child.pid!]);
      io.start();
      let received = 0;
      const fiveChunks = new Promise<void>((resolve) => socket.on("data", (chunk: Buffer) => (received += chunk.length) === 5 && resolve()));
      socket.write("go");
      await fiveChunks;
      const counted = io.stop();
      expect(counted.writes).toBeGreaterThanOrEqual(5);
      expect(counted.writtenBytes).toBeGreaterThanOrEqual(5);
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
