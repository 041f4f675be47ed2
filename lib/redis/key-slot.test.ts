import { describe, expect, it } from "vitest";
import { crc16, keySlot, slotTag } from "./key-slot";

describe("keySlot", () => {
  it("computes CRC16-XMODEM as the Redis Cluster specification does", () => {
    expect(crc16(Buffer.from("123456789"))).toBe(0x31c3);
  });

  it("gives the slots redis-server's CLUSTER KEYSLOT gives", () => {
    // Values read from redis-server 7.0 (CLUSTER KEYSLOT).
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("bar")).toBe(5061);
    expect(keySlot("hello")).toBe(866);
  });

  it("hashes only the hash tag when there is one, so a patrol's keys and channel share a slot", () => {
    expect(keySlot("live:patrol:{42}")).toBe(keySlot("42"));
    expect(keySlot("patrol:{42}:meta")).toBe(keySlot("live:patrol:{42}"));
    expect(keySlot("pfx:history:{42}")).toBe(keySlot("42"));
  });

  it("hashes the whole name when the braces are empty or unclosed, and uses the first tag only", () => {
    // Values read from redis-server 7.0 (CLUSTER KEYSLOT).
    expect(keySlot("a{}b")).toBe(13694);
    expect(keySlot("{}{b}")).toBe(8193);
    expect(keySlot("{a}{b}")).toBe(15495);
    expect(keySlot("{a}{b}")).toBe(keySlot("a"));
  });
});

describe("slotTag", () => {
  it("gives, for every slot, a tag hashing to it", () => {
    for (let slot = 0; slot < 16_384; slot++) expect(keySlot(`x:{${slotTag(slot)}}`)).toBe(slot);
  });

  it("refuses a slot that does not exist", () => {
    expect(() => slotTag(16_384)).toThrow(/no hash slot 16384/);
  });
});
