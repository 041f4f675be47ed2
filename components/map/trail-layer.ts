import L from "leaflet";
import { FOLLOWED_TRAIL_MS, SHORT_TRAIL_MS, type TrailBook } from "./trail-book";

const FOLLOWED_STYLE: L.PolylineOptions = { color: "#ffffff", weight: 3, opacity: 0.9, interactive: false };
const SHORT_STYLE: L.PolylineOptions = { color: "#4ea1ff", weight: 2, opacity: 0.55, interactive: false };

/**
 * Draws trails as polylines on a canvas of their own, below the vehicles:
 * the followed patrol's last 15 minutes, and with `showAll` every patrol's
 * last 5. Only patrols whose trail changed are redrawn, plus all of them when
 * what is shown changes or the windows slide (`redraw`).
 */
export class TrailLayer {
  private readonly lines = new Map<number, L.Polyline>();
  private readonly renderer: L.Canvas;

  constructor(
    private readonly map: L.Map,
    private readonly book: TrailBook,
  ) {
    // Under the overlay pane (400) that holds the vehicles and station pins, and never in the way of a click.
    const pane = map.getPane("trails") ?? map.createPane("trails");
    pane.style.zIndex = "350";
    pane.style.pointerEvents = "none";
    this.renderer = L.canvas({ pane: "trails", padding: 0.3 });
  }

  /** Redraws the trails that changed; every trail when `all`. */
  draw(view: { followed: number | null; showAll: boolean; now: number }, all = false): void {
    this.book.prune(view.now, view.followed);
    const ids = all ? new Set([...this.book.takeChanged(), ...this.lines.keys(), ...this.book.ids()]) : this.book.takeChanged();
    for (const id of ids) {
      const windowMs = id === view.followed ? FOLLOWED_TRAIL_MS : view.showAll ? SHORT_TRAIL_MS : null;
      const points = windowMs === null ? [] : this.book.since(id, view.now - windowMs);
      const line = this.lines.get(id);
      if (points.length < 2) {
        line?.remove();
        this.lines.delete(id);
        continue;
      }
      const latLngs = points.map((p) => L.latLng(p.lat, p.lon));
      const style = id === view.followed ? FOLLOWED_STYLE : SHORT_STYLE;
      if (line) {
        line.setLatLngs(latLngs);
        line.setStyle(style);
      } else {
        this.lines.set(id, L.polyline(latLngs, { ...style, renderer: this.renderer }).addTo(this.map));
      }
    }
  }

  /** Points drawn for one patrol's trail (0 when none): for diagnostics and end-to-end tests. */
  drawnPoints(patrolId: number): number {
    return this.lines.get(patrolId)?.getLatLngs().length ?? 0;
  }

  /** Removes every trail. */
  destroy(): void {
    for (const line of this.lines.values()) line.remove();
    this.lines.clear();
  }
}
