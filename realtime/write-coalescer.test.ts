import net from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WriteCoalescer } from "./write-coalescer";

/**
 * The coalescer on a real TCP connection: what the server side hands to the kernel is counted at the socket's
 * `_write` / `_writev` (one call per syscall batch), what arrives is read on the client side.
 */
describe("WriteCoalescer", () => {
  let server: net.Server;
  let sender: net.Socket;
  let receiver: net.Socket;
  let writes: number;
  let received = "";

  beforeEach(async () => {
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
    receiver = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
    sender = await accepted;
    received = "";
    receiver.setEncoding("utf8").on("data", (chunk: string) => (received += chunk));
    // Count what the sending socket hands down: one `_write` per lone chunk, one `_writev` per corked batch.
    writes = 0;
    const internals = sender as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const write = internals._write.bind(sender);
    const writev = internals._writev.bind(sender);
    internals._write = (...a) => {
      writes++;
      write(...a);
    };
    internals._writev = (...a) => {
      writes++;
      writev(...a);
    };
  });

  afterEach(async () => {
    receiver.destroy();
    sender.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const until = async (text: string) => {
    for (let i = 0; i < 200 && !received.includes(text); i++) await nextTurn();
    expect(received).toContain(text);
  };

  it("sends the frames one socket gets in one turn in one write", async () => {
    const coalescer = new WriteCoalescer();
    for (const frame of ["a;", "b;", "c;", "d;"]) {
      coalescer.hold(sender);
      sender.write(frame);
    }
    await until("d;");
    expect(received).toBe("a;b;c;d;");
    expect(writes).toBe(1);
  });

  it("does not hold a frame past its turn: each turn's frame is out before the next turn starts", async () => {
    const coalescer = new WriteCoalescer();
    for (const frame of ["1;", "2;", "3;"]) {
      coalescer.hold(sender);
      sender.write(frame);
      // The turn ends: its microtask lets the frame go, with no timer in between.
      await Promise.resolve();
      expect(sender.writableCorked).toBe(0);
      await until(frame);
    }
    expect(writes).toBe(3);
  });

  it("without it, the same four frames are four writes (the control)", async () => {
    for (const frame of ["a;", "b;", "c;", "d;"]) sender.write(frame);
    await until("d;");
    expect(writes).toBe(4);
  });
});
