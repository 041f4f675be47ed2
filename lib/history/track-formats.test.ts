import { describe, expect, it } from "vitest";
import { trackEncoder, type TrackFormat } from "./track-formats";

const header = { patrolId: 7, vehicleId: 3, callSign: `K<&>"'1` };
const points = [
  { ts: 1764200000000, lat: 9.97, lon: 76.29, speed: 8.2, heading: 270, accuracy: 5 },
  { ts: 1764200001000, lat: 9.971, lon: 76.291 },
  { ts: 1764200002000, lat: 9.972, lon: 76.292, speed: 0 },
];

/** The whole body as a client receives it, written in pages of `pageSize` like a long track. */
function encode(format: TrackFormat, pageSize: number): string {
  const e = trackEncoder(format);
  let out = e.open(header);
  for (let i = 0; i < points.length; i += pageSize) out += e.points(points.slice(i, i + pageSize));
  out += e.points([]);
  return out + e.close();
}

describe("track formats", () => {
  it("writes the same document whatever the page size", () => {
    for (const f of ["json", "geojson", "gpx", "csv"] as const) expect(encode(f, 1)).toBe(encode(f, 3));
  });

  it("json lists the points in order with only the fields the device sent", () => {
    expect(JSON.parse(encode("json", 2))).toEqual({ ...header, points });
  });

  it("geojson is one LineString feature with the times in its properties", () => {
    const doc = JSON.parse(encode("geojson", 2));
    expect(doc).toEqual({
      type: "FeatureCollection",
      features: [
        {
          type: "Feature",
          geometry: { type: "LineString", coordinates: points.map((p) => [p.lon, p.lat]) },
          properties: { ...header, times: points.map((p) => p.ts) },
        },
      ],
    });
  });

  it("gpx escapes the call sign and writes one trkpt with a time per point", () => {
    const gpx = encode("gpx", 2);
    expect(gpx).toContain("<name>K&#60;&#38;&#62;&#34;&#39;1 (patrol 7)</name>");
    expect(gpx.match(/<trkpt /g)).toHaveLength(3);
    expect(gpx).toContain(`<trkpt lat="9.97" lon="76.29"><time>2025-11-26T23:33:20.000Z</time></trkpt>`);
  });

  it("csv has the contract header and empty cells for fields not sent", () => {
    expect(encode("csv", 2)).toBe(
      "ts,lat,lon,speed,heading,accuracy\n1764200000000,9.97,76.29,8.2,270,5\n1764200001000,9.971,76.291,,,\n1764200002000,9.972,76.292,0,,\n",
    );
  });

  it("an empty track is still a valid document", () => {
    const e = trackEncoder("geojson");
    expect(JSON.parse(e.open(header) + e.points([]) + e.close()).features[0].geometry.coordinates).toEqual([]);
  });
});
