/** Number of hash slots of a Redis Cluster. */
export const SLOT_COUNT = 16_384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16-XMODEM of `bytes`: the checksum Redis Cluster hashes keys with. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/**
 * The hash slot of a key or sharded channel, as Redis Cluster computes it: CRC16 of the hash tag (what is between the
 * first `{` and the next `}`, when not empty) or of the whole name, modulo 16384.
 */
export function keySlot(name: string): number {
  const bytes = Buffer.from(name);
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % SLOT_COUNT;
  }
  return crc16(bytes) % SLOT_COUNT;
}

let tags: string[] | null = null;

/**
 * A short hash tag whose slot is `slot` (the first base-36 number hashing there), for a key that must live in a given
 * slot, e.g. a per-slot marker. Built once, on first use (~200k CRC16s, a few milliseconds).
 */
export function slotTag(slot: number): string {
  if (!tags) {
    const found: string[] = new Array<string>(SLOT_COUNT);
    let missing = SLOT_COUNT;
    for (let i = 0; missing > 0; i++) {
      const tag = i.toString(36);
      const s = crc16(Buffer.from(tag)) % SLOT_COUNT;
      if (found[s] === undefined) {
        found[s] = tag;
        missing--;
      }
    }
    tags = found;
  }
  const tag = tags[slot];
  if (tag === undefined) throw new RangeError(`no hash slot ${slot}: slots are 0…${SLOT_COUNT - 1}`);
  return tag;
}
