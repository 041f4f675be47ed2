import L from "leaflet";
import type { PatrolView } from "@/lib/realtime/protocol";
import { batteryReading, DUTY, type BatteryReading } from "./control-room-format";
import { freshnessOf, type Freshness } from "./fleet-store";
import { textLabel } from "./text-label";

/**
 * Marker colours by freshness, each with its own shape so colour is never the only cue: live a filled circle
 * (green), stale a filled diamond (yellow), offline a hollow square (grey). Chosen by relative luminance (WCAG
 * contrast ratio), so they differ in lightness and not in hue alone, and checked again under a full deuteranopia and
 * protanopia simulation (Machado 2009):
 * - live #17a35a vs stale #ffe066: 2.51:1 (deuteranopia 2.75:1, protanopia 2.19:1); the former pair was 1.13:1;
 * - stale vs offline #6b7280: 3.71:1; live vs offline 1.48:1, told apart by fill and shape (hollow square);
 * - on the plain dark map (#1a2536): live 4.72:1, stale 11.83:1, offline 3.19:1; on light tiles (white) every glyph
 *   sits inside a dark outline (#0f1b2d, 17:1 against white) and on dark tiles inside a white halo.
 * The sidebar's and the counts' glyphs (map.css `.glyph`) use the same shapes and colours.
 */
export const FRESHNESS_COLOR: Record<Freshness, string> = { live: "#17a35a", stale: "#ffe066", offline: "#6b7280" };
/** The outline around every glyph (dark, for light tiles) and the halo around that (white, for dark tiles). */
const OUTLINE_COLOR = "#0f1b2d";
const HALO_COLOR = "rgba(255, 255, 255, 0.9)";
const SELECTED_COLOR = "#4ea1ff";
/** Zoom from which call-sign labels are shown. */
export const LABEL_MIN_ZOOM = 15;

const ARROW_PX = 9;
/** The duty badge: a square this many pixels wide at the marker's upper left (the call-sign label sits on the right). */
const BADGE_PX = 12;
/** The alarm ring around a unit with an SOS not yet resolved (open or acknowledged), this far outside the marker. */
const ALARM_RING_PX = 6;
const ALARM_COLOR = "#ff3b3b";
/** Redraw margin around a marker: the heading tick, the badge and the alarm ring all fit inside. */
const MARKER_PAD_PX = Math.max(ARROW_PX + 3, BADGE_PX + 4, ALARM_RING_PX + 2) + 2;
const LABEL_OPTIONS: L.TooltipOptions = { direction: "right", offset: L.point(8, 0), className: "vehicle-label" };

interface VehicleMarkerOptions extends L.CircleMarkerOptions {
  heading?: number;
  freshness?: Freshness;
  selected?: boolean;
  /** Duty status letter (A, R, S, B) and its colour, drawn as a badge. */
  dutyLetter?: string;
  dutyColor?: string;
  /** An SOS not yet resolved: drawn with a red ring (the banner goes once it is acknowledged; the ring stays until resolved). */
  alarm?: boolean;
  /** What the label says of the battery ("" for none): its DOM is rebuilt only when this changes. */
  batteryText?: string;
}

/**
 * A vehicle's label: its call sign and, when its device reports one, its battery on a second line — the glyph and
 * words of the sidebar's `BatteryState` ("Low battery 12 %" with a red "!" glyph below 15 %).
 */
function vehicleLabel(callSign: string, battery: BatteryReading | null): HTMLElement {
  const label = textLabel({ text: callSign });
  if (!battery) return label;
  const line = document.createElement("span");
  line.className = battery.low ? "battery low" : "battery";
  const glyph = document.createElement("span");
  glyph.className = battery.low ? "battery-glyph low" : "battery-glyph";
  glyph.style.setProperty("--charge", `${battery.percent}%`);
  glyph.setAttribute("aria-hidden", "true");
  line.append(glyph, battery.text);
  label.append(line);
  return label;
}

/** Traces a vehicle's freshness glyph around `p`: a circle (live), a diamond (stale) or a square (offline). */
function traceGlyph(ctx: CanvasRenderingContext2D, p: L.Point, r: number, freshness: Freshness): void {
  ctx.beginPath();
  if (freshness === "live") ctx.arc(p.x, p.y, r, 0, Math.PI * 2);
  else if (freshness === "stale") {
    const d = r * 1.35;
    ctx.moveTo(p.x, p.y - d);
    ctx.lineTo(p.x + d, p.y);
    ctx.lineTo(p.x, p.y + d);
    ctx.lineTo(p.x - d, p.y);
    ctx.closePath();
  } else ctx.rect(p.x - r, p.y - r, r * 2, r * 2);
}

/**
 * A vehicle marker drawn on the map's shared canvas renderer: its freshness glyph inside a dark outline and a
 * white halo (readable on dark and light tiles), a short heading tick, a duty-status badge (letter and colour)
 * and, during an SOS, an alarm ring: one canvas for every vehicle instead of one DOM node each.
 */
const VehicleMarker = L.CircleMarker.extend({
  _updateBounds(this: any) {
    (L.CircleMarker.prototype as any)._updateBounds.call(this);
    const pad = L.point(MARKER_PAD_PX, MARKER_PAD_PX);
    this._pxBounds = new L.Bounds(this._point.subtract(pad), this._point.add(pad));
  },
  _updatePath(this: any) {
    const options = this.options as VehicleMarkerOptions;
    const ctx: CanvasRenderingContext2D | undefined = this._renderer._ctx;
    // Only while the renderer redraws (as Leaflet's own circles do): `setLatLng` and `setStyle` call this too, and
    // drawing then was every moved marker drawn twice a frame, the second time over pixels about to be cleared.
    if (!ctx || !this._renderer._drawing || this._empty()) return;
    const r = this._radius as number;
    const p = this._point as L.Point;
    const freshness = options.freshness ?? "live";
    const color = FRESHNESS_COLOR[freshness];
    if (options.selected) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, r + 5, 0, Math.PI * 2);
      ctx.strokeStyle = SELECTED_COLOR;
      ctx.lineWidth = 3;
      ctx.stroke();
    }
    traceGlyph(ctx, p, r, freshness);
    ctx.lineJoin = "round";
    ctx.strokeStyle = HALO_COLOR;
    ctx.lineWidth = 5;
    ctx.stroke();
    // Offline is hollow: its inside is the outline colour, its edge the grey.
    ctx.fillStyle = freshness === "offline" ? OUTLINE_COLOR : color;
    ctx.fill();
    ctx.strokeStyle = freshness === "offline" ? color : OUTLINE_COLOR;
    ctx.lineWidth = freshness === "offline" ? 3 : 1.5;
    ctx.stroke();
    if (options.alarm) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, r + ALARM_RING_PX, 0, Math.PI * 2);
      ctx.strokeStyle = ALARM_COLOR;
      ctx.lineWidth = 3;
      ctx.stroke();
    }
    if (options.dutyLetter && options.dutyColor) {
      const x = p.x - r - BADGE_PX + 2;
      const y = p.y - r - BADGE_PX + 2;
      ctx.fillStyle = options.dutyColor;
      ctx.strokeStyle = "#0f1b2d";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.rect(x, y, BADGE_PX, BADGE_PX);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = "#0f1b2d";
      ctx.font = "bold 10px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(options.dutyLetter, x + BADGE_PX / 2, y + BADGE_PX / 2 + 0.5);
    }
    const heading = options.heading;
    if (heading === undefined) return;
    const rad = (heading * Math.PI) / 180;
    ctx.beginPath();
    ctx.moveTo(p.x + Math.sin(rad) * r, p.y - Math.cos(rad) * r);
    ctx.lineTo(p.x + Math.sin(rad) * (r + ARROW_PX), p.y - Math.cos(rad) * (r + ARROW_PX));
    ctx.lineCap = "round";
    ctx.strokeStyle = OUTLINE_COLOR;
    ctx.lineWidth = 5;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = 3;
    ctx.stroke();
  },
}) as unknown as new (latlng: L.LatLngExpression, options: VehicleMarkerOptions) => L.CircleMarker & { options: VehicleMarkerOptions };

/**
 * Keeps one canvas marker per patrol in step with the store, without React
 * re-renders: `sync` adds, moves, recolours and removes markers.
 */
export class VehicleLayer {
  private readonly group = L.layerGroup();
  private readonly markers = new Map<number, ReturnType<typeof this.create>>();
  /** The patrol each marker was last brought in line with: the store replaces a patrol's object when it changes. */
  private readonly synced = new Map<number, PatrolView>();
  private selected: number | null = null;

  constructor(
    private readonly map: L.Map,
    private readonly onSelect: (patrolId: number) => void,
  ) {
    this.group.addTo(map);
    map.on("zoomend moveend", this.updateLabels);
  }

  private create(p: PatrolView, latlng: L.LatLngExpression) {
    const marker = new VehicleMarker(latlng, { radius: 6, weight: 2, fillOpacity: 0.9, heading: p.last?.heading, batteryText: "" });
    marker.bindTooltip(vehicleLabel(p.callSign, null), { ...LABEL_OPTIONS, permanent: false });
    marker.on("click", () => this.onSelect(p.patrolId));
    marker.addTo(this.group);
    return marker;
  }

  /**
   * Brings markers in line with `patrols` at ageing clock `now`, showing only those `shown` accepts (the list's
   * filter); the patrols in `alarmed` (an SOS not yet resolved) get the alarm ring. With `changedOnly`, the caller
   * vouches that only `patrols` changed since the last call (not `alarmed`, `shown` or the selection) and a marker
   * whose patrol is the same object as then is left alone: 5,000 patrols of which a few dozen moved cost a few
   * dozen updates, and freshness follows at the next full call. The map's container carries the number of markers
   * drawn as `data-markers`.
   */
  sync(
    patrols: ReadonlyMap<number, PatrolView>,
    now: number,
    alarmed: ReadonlySet<number> = new Set(),
    shown: (p: PatrolView) => boolean = () => true,
    changedOnly = false,
  ): void {
    for (const [id, marker] of this.markers) {
      const p = patrols.get(id);
      if (!p?.last || !shown(p)) {
        marker.remove();
        this.markers.delete(id);
        this.synced.delete(id);
      }
    }
    for (const p of patrols.values()) {
      if (changedOnly && this.synced.get(p.patrolId) === p) continue;
      if (!p.last || !shown(p)) continue;
      this.synced.set(p.patrolId, p);
      const latlng = L.latLng(p.last.lat, p.last.lon);
      const freshness = freshnessOf(p.last, now);
      let marker = this.markers.get(p.patrolId);
      if (!marker) {
        marker = this.create(p, latlng);
        this.markers.set(p.patrolId, marker);
      } else if (!marker.getLatLng().equals(latlng)) {
        marker.setLatLng(latlng);
      }
      const selected = this.selected === p.patrolId;
      const duty = DUTY[p.status] ?? DUTY.AVAILABLE;
      const style = {
        freshness,
        selected,
        heading: p.last.heading,
        dutyLetter: duty.letter,
        dutyColor: duty.color,
        alarm: alarmed.has(p.patrolId),
      };
      const o = marker.options;
      if ((Object.keys(style) as (keyof typeof style)[]).some((k) => o[k] !== style[k])) marker.setStyle(style as L.PathOptions);
      const battery = batteryReading(p.last.battery);
      const batteryText = battery?.text ?? "";
      // The label is DOM, not canvas: rebuilt only when what it says changes.
      if (o.batteryText !== batteryText) {
        o.batteryText = batteryText;
        marker.setTooltipContent(vehicleLabel(p.callSign, battery));
      }
    }
    this.map.getContainer().dataset.markers = String(this.markers.size);
    this.updateLabels();
  }

  /** What a patrol's marker shows, or null when it has none: for diagnostics and end-to-end tests. */
  markerOf(patrolId: number): { badge: string; alarm: boolean; freshness: Freshness; lat: number; lon: number; label: string } | null {
    const marker = this.markers.get(patrolId);
    if (!marker) return null;
    const { lat, lng } = marker.getLatLng();
    const label = (marker.getTooltip()?.getContent() as HTMLElement | undefined)?.textContent ?? "";
    return { badge: marker.options.dutyLetter ?? "", alarm: marker.options.alarm === true, freshness: marker.options.freshness ?? "live", lat, lon: lng, label };
  }

  /** Highlights one patrol (or none). */
  select(patrolId: number | null): void {
    this.selected = patrolId;
  }

  /** Call-sign labels for the markers in view when zoomed in (hover tooltips otherwise). */
  private readonly updateLabels = () => {
    const show = this.map.getZoom() >= LABEL_MIN_ZOOM;
    const bounds = this.map.getBounds();
    for (const marker of this.markers.values()) {
      const label = show && bounds.contains(marker.getLatLng());
      const tooltip = marker.getTooltip();
      if (!tooltip || tooltip.options.permanent === label) continue;
      const content = tooltip.getContent() as HTMLElement;
      marker.unbindTooltip();
      marker.bindTooltip(content, { ...LABEL_OPTIONS, permanent: label });
    }
  };

  /** Removes every marker and listener. */
  destroy(): void {
    this.map.off("zoomend moveend", this.updateLabels);
    this.group.remove();
    this.markers.clear();
    this.synced.clear();
  }
}
