import { describe, expect, it } from "vitest";
import { formatElapsed, positionAt, spanOf } from "./playback";

const track = [
  { ts: 1_000, lat: 10, lon: 76 },
  { ts: 2_000, lat: 11, lon: 77 },
  { ts: 4_000, lat: 11, lon: 79 },
];

describe("replay playback", () => {
  it("interpolates between the points around a moment and clamps outside the track", () => {
    expect(positionAt(track, 0)).toEqual({ lat: 10, lon: 76, index: 0 });
    expect(positionAt(track, 1_500)).toEqual({ lat: 10.5, lon: 76.5, index: 0 });
    expect(positionAt(track, 3_000)).toEqual({ lat: 11, lon: 78, index: 1 });
    expect(positionAt(track, 9_000)).toEqual({ lat: 11, lon: 79, index: 2 });
    expect(positionAt([], 1)).toBeNull();
  });

  it("formats elapsed time", () => {
    expect(formatElapsed(65_000)).toBe("1:05");
    expect(formatElapsed(3_725_000)).toBe("1:02:05");
  });

  it("spans every replayed track, from the earliest first point to the latest last one", () => {
    expect(spanOf([track, [{ ts: 500, lat: 9, lon: 76 }, { ts: 3_000, lat: 9, lon: 77 }], []])).toEqual({ start: 500, end: 4_000 });
    expect(spanOf([[], []])).toEqual({ start: 0, end: 0 });
  });
});
