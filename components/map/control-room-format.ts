import type { AlertKind, AlertView, UnitStatus } from "@/lib/realtime/protocol";

/**
 * How the control room names and marks duty statuses, alerts, distances and boundaries. No Leaflet or DOM here:
 * the sidebar, the map layers and the unit tests share it.
 */

/** A duty status as people read it, and the one-letter badge markers carry (colour is never the only cue). */
export const DUTY: Record<UnitStatus, { label: string; letter: string; color: string }> = {
  AVAILABLE: { label: "Available", letter: "A", color: "#4ea1ff" },
  EN_ROUTE: { label: "En route", letter: "R", color: "#ff9f43" },
  ON_SCENE: { label: "On scene", letter: "S", color: "#c792ea" },
  BUSY: { label: "Busy", letter: "B", color: "#ff6b6b" },
};

/** Alert kinds as people read them. */
export const ALERT_KIND_LABEL: Record<AlertKind, string> = {
  SOS: "SOS",
  OVERSPEED: "Overspeed",
  LEFT_JURISDICTION: "Left jurisdiction",
  SILENT: "Silent",
};

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** One line of what the alert's `detail` says, e.g. "112 km/h (limit 100)"; empty when it says nothing known. */
export function alertDetail(alert: Pick<AlertView, "kind" | "detail">): string {
  const d = alert.detail ?? {};
  switch (alert.kind) {
    case "OVERSPEED": {
      const speed = num(d.speedKmh);
      const limit = num(d.limitKmh);
      return speed === null ? "" : `${Math.round(speed)} km/h${limit === null ? "" : ` (limit ${Math.round(limit)})`}`;
    }
    case "LEFT_JURISDICTION":
      return typeof d.stationName === "string" ? `outside ${d.stationName}` : "";
    case "SILENT": {
      const seconds = num(d.silentSeconds);
      return seconds === null ? "" : `no position for ${seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`}`;
    }
    case "SOS":
      return "panic button pressed";
  }
}

/** Below this charge (percent, default 15) a unit's battery is shown as low: the phone may soon stop reporting. */
export const LOW_BATTERY_PERCENT = 15;

/** A unit's battery as the sidebar and the map say it. */
export interface BatteryReading {
  /** Whole percent, 0–100. */
  percent: number;
  low: boolean;
  /** "Battery 62 %", or "Low battery 12 %": the words say it, not the colour alone. */
  text: string;
}

/** The battery of a unit's last position (`Position.battery`, percent), or null when its device does not report one. */
export function batteryReading(battery: number | undefined): BatteryReading | null {
  if (battery === undefined || !Number.isFinite(battery)) return null;
  const percent = Math.min(100, Math.max(0, Math.round(battery)));
  const low = percent < LOW_BATTERY_PERCENT;
  return { percent, low, text: `${low ? "Low battery" : "Battery"} ${percent} %` };
}

/** A clock time for an alert: "14:32:05" (the dashboard's locale and time zone). */
export function clockTime(ts: number): string {
  return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** A length of time as people say it: "12 s", "3 min 5 s", "2 h 4 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "850 m", "1.2 km", "12 km". */
export function formatDistance(metres: number): string {
  if (metres < 1000) return `${Math.round(metres)} m`;
  const km = metres / 1000;
  return `${km < 10 ? km.toFixed(1) : Math.round(km)} km`;
}

/**
 * A station boundary (a GeoJSON Polygon, `[lon, lat]` positions, as the admin API stores it) as Leaflet `[lat, lon]` pairs (GeoJSON puts longitude first), or null when the
 * value is not a usable polygon: a malformed boundary is not drawn rather than breaking the map.
 */
export function boundaryRings(boundary: unknown): [number, number][][] | null {
  const b = boundary as { type?: unknown; coordinates?: unknown[] } | null;
  if (!b || b.type !== "Polygon" || !Array.isArray(b.coordinates) || b.coordinates.length === 0) return null;
  const rings: [number, number][][] = [];
  for (const ring of b.coordinates) {
    if (!Array.isArray(ring) || ring.length < 4) return null;
    const latLngs: [number, number][] = [];
    for (const position of ring) {
      const [lon, lat] = Array.isArray(position) ? position : [];
      if (num(lat) === null || num(lon) === null) return null;
      latLngs.push([lat!, lon!]);
    }
    rings.push(latLngs);
  }
  return rings;
}
