import L from "leaflet";
import type { StationPin } from "@/lib/org/stations-in-scope";
import { UNIT_STATUSES, type PatrolView, type UnitStatus } from "@/lib/realtime/protocol";
import { aggregateLabel, clusterStations, dutyRing, emptyTally, sameTally, type AggregateTally } from "./unit-aggregates";

/** Fields per cluster in the counting buffer: units, the four duty statuses (in `UNIT_STATUSES` order), SOS. */
const FIELDS = 2 + UNIT_STATUSES.length;
const DUTY_FIELD = Object.fromEntries(UNIT_STATUSES.map((s, i) => [s, 1 + i])) as Record<UnitStatus, number>;
const SOS_FIELD = 1 + UNIT_STATUSES.length;
/** Clicking an aggregate zooms to its units, at least one level in and at most to street level (16). */
const ZOOM_IN_MAX = 16;
/** Aggregates are kept for the view and this much around it (a fraction of its size), so short pans show them at once. */
const VIEW_PAD = 0.25;

/** One cluster of stations at the present zoom. */
interface Cluster {
  /** Indexes into the layer's stations, the seed (whose name it carries) first. */
  members: number[];
  /** Where its aggregate stands: the mean of its stations' positions. */
  at: L.LatLng;
}

/** An aggregate on the map: its marker, its button and what it shows. */
interface Shown {
  marker: L.Marker;
  button: HTMLButtonElement;
  count: HTMLSpanElement;
  tally: AggregateTally;
}

/**
 * The fleet counted per station at city zoom: one button per station, or per group of stations that would overlap
 * on screen, showing how many units it holds, a ring of their duty statuses and, prominently, any SOS. Counting is a
 * pass over the store per animation frame into a flat buffer (positions do not change a station's count); a button's
 * DOM changes only when its count does, and only the aggregates in and around the view exist. Clicking one (or
 * Enter/Space on it) zooms in to its units. No React: `Vehicles` drives it beside the vehicle layer.
 */
export class AggregateLayer {
  private readonly group = L.layerGroup();
  private stations: StationPin[] = [];
  private stationIndex = new Map<number, number>();
  private clusters: Cluster[] = [];
  /** Cluster of each station (by index) at the present zoom. */
  private clusterOf: Int32Array = new Int32Array(0);
  private buffer = new Int32Array(0);
  private readonly shown = new Map<number, Shown>();
  private active = false;
  /** The patrols and filter of the last count: clicking an aggregate fits the view to its units among them. */
  private last: { patrols: ReadonlyMap<number, PatrolView>; counted: (p: PatrolView) => boolean } | null = null;

  constructor(private readonly map: L.Map) {
    this.group.addTo(map);
  }

  /** The scope's stations: the places units are counted at. */
  setStations(stations: StationPin[]): void {
    this.stations = stations;
    this.stationIndex = new Map(stations.map((s, i) => [s.id, i]));
    this.recluster();
  }

  /** True when `p`'s station is one of the map's, so an aggregate counts it (else its marker stands for it). */
  covers(p: PatrolView): boolean {
    return this.stationIndex.has(p.stationId);
  }

  /** Groups the stations for the present zoom; the next `count` fills the new groups. */
  recluster(): void {
    const zoom = this.map.getZoom();
    const { members, clusterOf } = clusterStations(
      this.stations.map((s) => {
        const p = this.map.project([s.lat, s.lon], zoom);
        return { id: s.id, x: p.x, y: p.y };
      }),
    );
    this.clusters = members.map((m) => ({
      members: m,
      at: L.latLng(m.reduce((sum, i) => sum + this.stations[i]!.lat, 0) / m.length, m.reduce((sum, i) => sum + this.stations[i]!.lon, 0) / m.length),
    }));
    this.clusterOf = clusterOf;
    this.buffer = new Int32Array(this.clusters.length * FIELDS);
    this.clear();
  }

  /**
   * Counts the patrols with a position that `counted` accepts into their station's cluster, those in `alarmed` also as
   * SOS. Returns how many patrols `counted` accepts (with a position), counted here or not.
   */
  count(patrols: ReadonlyMap<number, PatrolView>, alarmed: ReadonlySet<number>, counted: (p: PatrolView) => boolean): number {
    this.last = { patrols, counted };
    const counts = this.buffer;
    counts.fill(0);
    let total = 0;
    for (const p of patrols.values()) {
      if (!p.last || !counted(p)) continue;
      total++;
      const station = this.stationIndex.get(p.stationId);
      if (station === undefined) continue;
      const at = this.clusterOf[station]! * FIELDS;
      counts[at]!++;
      counts[at + (DUTY_FIELD[p.status] ?? DUTY_FIELD.AVAILABLE)]!++;
      if (alarmed.has(p.patrolId)) counts[at + SOS_FIELD]!++;
    }
    if (this.active) this.draw();
    return total;
  }

  /** Shows the aggregates (true) or none (false). */
  display(on: boolean): void {
    if (on === this.active) return;
    this.active = on;
    if (on) this.draw();
    else this.clear();
  }

  /** The view moved: aggregates come into being around it and go away far from it. */
  refreshView(): void {
    if (this.active) this.draw();
  }

  /** Brings the buttons in and around the view in line with the counts. */
  private draw(): void {
    const bounds = this.map.getBounds().pad(VIEW_PAD);
    for (let c = 0; c < this.clusters.length; c++) {
      const current = this.shown.get(c);
      // Most clusters, most of the time: empty or out of view, and not shown; nothing to build.
      if (!current && this.buffer[c * FIELDS] === 0) continue;
      const cluster = this.clusters[c]!;
      const tally = this.tallyOf(c);
      if (tally.units === 0 || !bounds.contains(cluster.at)) {
        if (current) {
          current.marker.remove();
          this.shown.delete(c);
        }
        continue;
      }
      if (!current) this.shown.set(c, this.create(c, cluster, tally));
      else if (!sameTally(current.tally, tally)) this.paint(current, cluster, tally);
    }
    this.map.getContainer().dataset.aggregates = String(this.shown.size);
  }

  private tallyOf(cluster: number): AggregateTally {
    const at = cluster * FIELDS;
    const tally = emptyTally();
    tally.units = this.buffer[at]!;
    for (const s of UNIT_STATUSES) tally.duty[s] = this.buffer[at + DUTY_FIELD[s]]!;
    tally.sos = this.buffer[at + SOS_FIELD]!;
    return tally;
  }

  private create(index: number, cluster: Cluster, tally: AggregateTally): Shown {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "patrol-aggregate";
    button.setAttribute("data-testid", "patrol-aggregate");
    const count = document.createElement("span");
    count.className = "aggregate-count";
    button.append(count);
    const marker = L.marker(cluster.at, {
      icon: L.divIcon({ html: button, className: "aggregate-icon", iconSize: [0, 0] }),
      // The button inside is the tab stop (Enter and Space press it), not Leaflet's wrapper.
      keyboard: false,
    });
    marker.on("click", () => this.zoomIn(index));
    const shown = { marker, button, count, tally };
    this.paint(shown, cluster, tally);
    marker.addTo(this.group);
    return shown;
  }

  /** Writes a tally into an aggregate's button: count, ring, SOS mark, label. */
  private paint(shown: Shown, cluster: Cluster, tally: AggregateTally): void {
    const { button, count, marker } = shown;
    shown.tally = tally;
    count.textContent = String(tally.units);
    button.dataset.count = String(tally.units);
    button.dataset.sos = String(tally.sos);
    button.classList.toggle("wide", tally.units >= 100);
    button.classList.toggle("sos", tally.sos > 0);
    button.style.setProperty("--ring", dutyRing(tally));
    let sos = button.querySelector<HTMLSpanElement>(".aggregate-sos");
    if (tally.sos > 0) {
      sos ??= button.appendChild(Object.assign(document.createElement("span"), { className: "aggregate-sos" }));
      sos.textContent = tally.sos === 1 ? "SOS" : `SOS ${tally.sos}`;
    } else sos?.remove();
    // An aggregate holding an SOS is drawn above the others.
    marker.setZIndexOffset(tally.sos > 0 ? 1_000 : 0);
    const seed = this.stations[cluster.members[0]!]!;
    button.setAttribute("aria-label", aggregateLabel(tally, { name: seed.name, others: cluster.members.length - 1 }));
    button.title = button.getAttribute("aria-label")!;
  }

  /** Fits the view to the aggregate's stations and units, at least one zoom level further in. */
  private zoomIn(index: number): void {
    const cluster = this.clusters[index];
    if (!cluster) return;
    const members = new Set(cluster.members);
    const bounds = L.latLngBounds(cluster.members.map((i) => [this.stations[i]!.lat, this.stations[i]!.lon]));
    if (this.last) {
      for (const p of this.last.patrols.values()) {
        const station = this.stationIndex.get(p.stationId);
        if (p.last && station !== undefined && members.has(station) && this.last.counted(p)) bounds.extend([p.last.lat, p.last.lon]);
      }
    }
    const hadFocus = this.shown.get(index)?.button === document.activeElement;
    const fit = this.map.getBoundsZoom(bounds, false, L.point(96, 96));
    this.map.setView(bounds.getCenter(), Math.max(this.map.getZoom() + 1, Math.min(fit, ZOOM_IN_MAX)), { animate: false });
    // The button is gone with the old zoom's groups: the map keeps the keyboard (its arrows pan, +/- zoom).
    if (hadFocus) this.map.getContainer().focus({ preventScroll: true });
  }

  /** Removes every aggregate from the map. */
  private clear(): void {
    this.group.clearLayers();
    this.shown.clear();
    this.map.getContainer().dataset.aggregates = "0";
  }

  /** Removes the layer. */
  destroy(): void {
    this.clear();
    this.group.remove();
  }
}
