import { describe, expect, it } from "vitest";
import { bulkBytes, messageFramingBytes, pmessageFramingBytes } from "./redis-fanout";

describe("RESP sizes of pub/sub pushes", () => {
  const payload = '{"type":"TELEMETRY","patrolId":12,"ts":1700000000000}';

  it("counts a message push to a channel subscriber byte for byte", () => {
    const push = `*3\r\n$7\r\nmessage\r\n$15\r\nlive:patrol:123\r\n$${payload.length}\r\n${payload}\r\n`;
    expect(messageFramingBytes("live:patrol:123".length) + bulkBytes(payload.length)).toBe(Buffer.byteLength(push));
  });

  it("counts a pmessage push to a pattern subscriber, pattern included", () => {
    const push = `*4\r\n$8\r\npmessage\r\n$13\r\nlive:patrol:*\r\n$15\r\nlive:patrol:123\r\n$${payload.length}\r\n${payload}\r\n`;
    expect(pmessageFramingBytes("live:patrol:*".length, "live:patrol:123".length) + bulkBytes(payload.length)).toBe(Buffer.byteLength(push));
  });

  it("grows a bulk string's length prefix with its digits", () => {
    expect(bulkBytes(0)).toBe("$0\r\n\r\n".length);
    expect(bulkBytes(9)).toBe(6 + 9);
    expect(bulkBytes(10)).toBe(7 + 10);
  });
});
