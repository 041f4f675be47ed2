import { create } from "qrcode";
import { describe, expect, it } from "vitest";
import { qrCodePath } from "./qr-code-path";

const TEXT = "http://192.168.1.20:3000/api/osmand?id=k7qm-2xv9-h4ne-tp8c-3wad-s6yr-9bjf-e5ug";

/** The dark modules a path draws, read back from its `M x y h w v1 h-w z` rectangles. */
function darkModules(path: string): Set<string> {
  const dark = new Set<string>();
  for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let i = 0; i < Number(w); i++) dark.add(`${Number(x) + i},${y}`);
  }
  return dark;
}

describe("qrCodePath", () => {
  it("draws exactly the dark modules of the text's QR code, one rectangle per run", () => {
    const { size, path } = qrCodePath(TEXT);
    const { modules } = create(TEXT, { errorCorrectionLevel: "M" });
    expect(size).toBe(modules.size);
    const expected = new Set<string>();
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (modules.data[y * size + x]) expected.add(`${x},${y}`);
    expect(darkModules(path)).toEqual(expected);
    expect(path.replace(/M\d+ \d+h(\d+)v1h-\1z/g, "")).toBe("");
  });

  it("has the three finder squares a phone's camera locks on to", () => {
    const { size, path } = qrCodePath(TEXT);
    const dark = darkModules(path);
    for (const [cx, cy] of [[0, 0], [size - 7, 0], [0, size - 7]] as const) {
      // A 7×7 dark ring, a light ring inside it, a 3×3 dark centre.
      for (let i = 0; i < 7; i++) {
        for (const [x, y] of [[cx + i, cy], [cx + i, cy + 6], [cx, cy + i], [cx + 6, cy + i]]) expect(dark.has(`${x},${y}`)).toBe(true);
      }
      expect(dark.has(`${cx + 1},${cy + 1}`)).toBe(false);
      expect(dark.has(`${cx + 3},${cy + 3}`)).toBe(true);
    }
  });

  it("changes with the text (a new server URL redraws it)", () => {
    expect(qrCodePath(TEXT).path).not.toBe(qrCodePath(TEXT.replace("192.168.1.20", "10.0.0.5")).path);
  });
});
