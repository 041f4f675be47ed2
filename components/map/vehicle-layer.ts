import L from "leaflet";
import type { PatrolView } from "@/lib/realtime/protocol";
import { freshnessOf, type Freshness } from "./fleet-store";
import { textLabel } from "./text-label";

/** Marker colours by freshness: green live, amber stale, grey offline. */
export const FRESHNESS_COLOR: Record<Freshness, string> = { live: "#3ecf8e", stale: "#f5b942", offline: "#8a94a6" };
/** Zoom from which call-sign labels are shown. */
export const LABEL_MIN_ZOOM = 15;

const ARROW_PX = 9;
const LABEL_OPTIONS: L.TooltipOptions = { direction: "right", offset: L.point(8, 0), className: "vehicle-label" };

interface VehicleMarkerOptions extends L.CircleMarkerOptions {
  heading?: number;
}

/**
 * A circle marker drawn on the map's shared canvas renderer with a short heading
 * tick: one canvas for every vehicle instead of one DOM node each.
 */
const VehicleMarker = L.CircleMarker.extend({
  _updateBounds(this: any) {
    (L.CircleMarker.prototype as any)._updateBounds.call(this);
    const pad = L.point(ARROW_PX + 2, ARROW_PX + 2);
    this._pxBounds = new L.Bounds(this._point.subtract(pad), this._point.add(pad));
  },
  _updatePath(this: any) {
    this._renderer._updateCircle(this);
    const heading = (this.options as VehicleMarkerOptions).heading;
    const ctx: CanvasRenderingContext2D | undefined = this._renderer._ctx;
    if (heading === undefined || !ctx || this._empty()) return;
    const rad = (heading * Math.PI) / 180;
    const r = this._radius as number;
    const p = this._point as L.Point;
    ctx.beginPath();
    ctx.moveTo(p.x + Math.sin(rad) * r, p.y - Math.cos(rad) * r);
    ctx.lineTo(p.x + Math.sin(rad) * (r + ARROW_PX), p.y - Math.cos(rad) * (r + ARROW_PX));
    ctx.strokeStyle = this.options.color as string;
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
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
  private selected: number | null = null;

  constructor(
    private readonly map: L.Map,
    private readonly onSelect: (patrolId: number) => void,
  ) {
    this.group.addTo(map);
    map.on("zoomend moveend", this.updateLabels);
  }

  private create(p: PatrolView, latlng: L.LatLngExpression) {
    const marker = new VehicleMarker(latlng, { radius: 6, weight: 2, fillOpacity: 0.9, heading: p.last?.heading });
    marker.bindTooltip(textLabel({ text: p.callSign }), { ...LABEL_OPTIONS, permanent: false });
    marker.on("click", () => this.onSelect(p.patrolId));
    marker.addTo(this.group);
    return marker;
  }

  /** Brings markers in line with `patrols` at time `now`. */
  sync(patrols: ReadonlyMap<number, PatrolView>, now: number): void {
    for (const [id, marker] of this.markers) {
      if (!patrols.get(id)?.last) {
        marker.remove();
        this.markers.delete(id);
      }
    }
    for (const p of patrols.values()) {
      if (!p.last) continue;
      const latlng = L.latLng(p.last.lat, p.last.lon);
      const color = FRESHNESS_COLOR[freshnessOf(p.last, now)];
      let marker = this.markers.get(p.patrolId);
      if (!marker) {
        marker = this.create(p, latlng);
        this.markers.set(p.patrolId, marker);
      } else if (!marker.getLatLng().equals(latlng)) {
        marker.setLatLng(latlng);
      }
      const selected = this.selected === p.patrolId;
      const style = { color: selected ? "#ffffff" : color, fillColor: color, weight: selected ? 3 : 2, heading: p.last.heading };
      const o = marker.options;
      if (o.color !== style.color || o.fillColor !== style.fillColor || o.weight !== style.weight || o.heading !== style.heading) {
        marker.setStyle(style as L.PathOptions);
      }
    }
    this.updateLabels();
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
  }
}
