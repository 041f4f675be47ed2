import type { TrackHeader, TrackPoint } from "../openapi/responses";
import type { Position } from "../realtime/protocol";

/** Formats of `GET /api/patrols/{id}/track`; `json` is the default. */
export const TRACK_FORMATS = ["json", "geojson", "gpx", "csv"] as const;

export type TrackFormat = (typeof TRACK_FORMATS)[number];

/**
 * Writes one track in one format as text pieces, so a long track streams out
 * page by page: `open` once, `points` per page in `ts` order, `close` once.
 */
export interface TrackEncoder {
  contentType: string;
  /** File extension for downloads. */
  extension: string;
  open(header: TrackHeader): string;
  points(page: Position[]): string;
  close(): string;
}

/** A fresh encoder for one response in `format`. */
export function trackEncoder(format: TrackFormat): TrackEncoder {
  switch (format) {
    case "json":
      return jsonEncoder();
    case "geojson":
      return geojsonEncoder();
    case "gpx":
      return gpxEncoder();
    case "csv":
      return csvEncoder();
  }
}

/** A point as the JSON format lists it: optional fields only when the device sent them. */
function pointJson(p: Position): string {
  const o: TrackPoint = { ts: p.ts, lat: p.lat, lon: p.lon };
  if (p.speed !== undefined) o.speed = p.speed;
  if (p.heading !== undefined) o.heading = p.heading;
  if (p.accuracy !== undefined) o.accuracy = p.accuracy;
  return JSON.stringify(o);
}

function jsonEncoder(): TrackEncoder {
  let first = true;
  return {
    contentType: "application/json",
    extension: "json",
    open: (h) => `{"patrolId":${h.patrolId},"vehicleId":${h.vehicleId},"callSign":${JSON.stringify(h.callSign)},"points":[`,
    points(page) {
      const text = page.map(pointJson).join(",");
      if (text === "") return "";
      const out = first ? text : `,${text}`;
      first = false;
      return out;
    },
    close: () => "]}",
  };
}

/** GeoJSON wants coordinates and times in separate arrays: coordinates stream out, times (8 bytes a point) wait for the end. */
function geojsonEncoder(): TrackEncoder {
  const times: number[] = [];
  let header: TrackHeader | null = null;
  let first = true;
  return {
    contentType: "application/geo+json",
    extension: "geojson",
    open(h) {
      header = h;
      return `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[`;
    },
    points(page) {
      if (page.length === 0) return "";
      for (const p of page) times.push(p.ts);
      const text = page.map((p) => `[${p.lon},${p.lat}]`).join(",");
      const out = first ? text : `,${text}`;
      first = false;
      return out;
    },
    // Properties follow the geometry so the times, known only at the end, need no second pass.
    close: () =>
      `]},"properties":{"patrolId":${header?.patrolId},"vehicleId":${header?.vehicleId},` +
      `"callSign":${JSON.stringify(header?.callSign ?? "")},"times":[${times.join(",")}]}}]}`,
  };
}

function gpxEncoder(): TrackEncoder {
  return {
    contentType: "application/gpx+xml",
    extension: "gpx",
    open: (h) =>
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
      `<gpx version="1.1" creator="Sentinel" xmlns="http://www.topografix.com/GPX/1/1">\n` +
      `<trk><name>${xml(h.callSign)} (patrol ${h.patrolId})</name><trkseg>\n`,
    points: (page) =>
      page.map((p) => `<trkpt lat="${p.lat}" lon="${p.lon}"><time>${new Date(p.ts).toISOString()}</time></trkpt>\n`).join(""),
    close: () => `</trkseg></trk>\n</gpx>\n`,
  };
}

function csvEncoder(): TrackEncoder {
  const opt = (v: number | undefined) => (v === undefined ? "" : String(v));
  return {
    contentType: "text/csv; charset=utf-8",
    extension: "csv",
    open: () => "ts,lat,lon,speed,heading,accuracy\n",
    points: (page) => page.map((p) => `${p.ts},${p.lat},${p.lon},${opt(p.speed)},${opt(p.heading)},${opt(p.accuracy)}\n`).join(""),
    close: () => "",
  };
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
