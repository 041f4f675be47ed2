import { useId, useMemo, type KeyboardEvent, type MouseEvent } from "react";

/** A plotted station. */
export interface PlotPoint {
  id: number;
  /** Hover text, e.g. "Kadavanthra (KDV)". */
  label: string;
  /** Written beside highlighted points. */
  code: string;
  lat: number;
  lon: number;
  /** Drawn brighter, e.g. the stations of the chosen division. Default: false. */
  highlight?: boolean;
}

/** Props of `LocationPicker`. */
export interface LocationPickerProps {
  /** Existing stations, for orientation. */
  points: PlotPoint[];
  /** Also kept inside the plotted area (the position the dialog opened with). */
  anchor: { lat: number; lon: number } | null;
  /** The chosen position, or null while the inputs hold no valid one. */
  value: { lat: number; lon: number } | null;
  onPick: (lat: number, lon: number) => void;
}

/** Drawing size in SVG units; the element scales to its container. */
const WIDTH = 480;
const HEIGHT = 320;
/** Positions are rounded to 5 decimals, about 1 m. */
const DECIMALS = 5;
/** Grid spacings to choose from, in degrees. */
const GRID_STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30];

interface Box {
  west: number;
  east: number;
  south: number;
  north: number;
}

/**
 * A tile-free map picker: existing stations plotted in their bounding box
 * (equirectangular, corrected for latitude so distances look right). Click
 * to set the position; with focus, arrow keys move it (Shift: further).
 * No network, so it works where map tiles cannot load.
 */
export function LocationPicker({ points, anchor, value, onPick }: LocationPickerProps) {
  const hintId = useId();
  const box = useMemo(() => plotBox([...points, ...(anchor ? [anchor] : [])]), [points, anchor]);
  const x = (lon: number) => ((lon - box.west) / (box.east - box.west)) * WIDTH;
  const y = (lat: number) => ((box.north - lat) / (box.north - box.south)) * HEIGHT;
  const inside = value !== null && value.lon >= box.west && value.lon <= box.east && value.lat >= box.south && value.lat <= box.north;
  const grid = gridLines(box);

  function pick(lat: number, lon: number) {
    onPick(round(clamp(lat, -90, 90)), round(clamp(lon, -180, 180)));
  }

  function onClick(event: MouseEvent<SVGSVGElement>) {
    const rect = event.currentTarget.getBoundingClientRect();
    const fx = (event.clientX - rect.left) / rect.width;
    const fy = (event.clientY - rect.top) / rect.height;
    pick(box.north - fy * (box.north - box.south), box.west + fx * (box.east - box.west));
  }

  function onKeyDown(event: KeyboardEvent<SVGSVGElement>) {
    const moves: Record<string, [number, number]> = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const factor = event.shiftKey ? 0.1 : 0.01;
    const start = inside && value ? value : { lat: (box.north + box.south) / 2, lon: (box.west + box.east) / 2 };
    pick(start.lat + move[0] * factor * (box.north - box.south), start.lon + move[1] * factor * (box.east - box.west));
  }

  return (
    <div className="location-picker">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="application"
        aria-roledescription="location picker"
        aria-label="Station location picker"
        aria-describedby={hintId}
        tabIndex={0}
        onClick={onClick}
        onKeyDown={onKeyDown}
        data-testid="location-picker"
      >
        <rect className="plot-bg" x={0} y={0} width={WIDTH} height={HEIGHT} />
        {grid.lons.map((lon) => (
          <g key={`lon-${lon}`} className="plot-grid">
            <line x1={x(lon)} x2={x(lon)} y1={0} y2={HEIGHT} />
            <text x={x(lon) + 3} y={HEIGHT - 4}>
              {formatDegrees(lon, grid.step)}
            </text>
          </g>
        ))}
        {grid.lats.map((lat) => (
          <g key={`lat-${lat}`} className="plot-grid">
            <line x1={0} x2={WIDTH} y1={y(lat)} y2={y(lat)} />
            <text x={3} y={y(lat) - 3}>
              {formatDegrees(lat, grid.step)}
            </text>
          </g>
        ))}
        {points.map((p) => (
          <g key={p.id} className={p.highlight ? "plot-station highlight" : "plot-station"}>
            <circle cx={x(p.lon)} cy={y(p.lat)} r={p.highlight ? 4.5 : 3.5}>
              <title>{p.label}</title>
            </circle>
            {p.highlight && (
              <text x={x(p.lon) + 7} y={y(p.lat) + 4}>
                {p.code}
              </text>
            )}
          </g>
        ))}
        {inside && value && (
          <g className="plot-marker" transform={`translate(${x(value.lon)} ${y(value.lat)})`}>
            <circle r={11} />
            <line x1={-16} x2={16} y1={0} y2={0} />
            <line x1={0} x2={0} y1={-16} y2={16} />
          </g>
        )}
      </svg>
      <p id={hintId} className="field-hint">
        {inside || value === null
          ? "Click the plot to set the position, or focus it and use the arrow keys (Shift moves further). Dots are existing stations; brighter ones belong to the chosen division."
          : "The position is outside the plotted area; click the plot to choose one inside it."}
      </p>
    </div>
  );
}

/** The points' bounding box with a margin, widened so that it has the drawing's aspect on the ground. */
function plotBox(points: { lat: number; lon: number }[]): Box {
  if (points.length === 0) return { west: -180, east: 180, south: -80, north: 80 };
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  let south = Math.min(...lats);
  let north = Math.max(...lats);
  let west = Math.min(...lons);
  let east = Math.max(...lons);
  const midLat = (south + north) / 2;
  // A degree of longitude is shorter than a degree of latitude away from the equator.
  const lonScale = Math.max(Math.cos((midLat * Math.PI) / 180), 0.05);
  const minSpan = 0.02;
  let latSpan = Math.max(north - south, minSpan) * 1.2;
  let lonSpan = Math.max(east - west, minSpan) * 1.2;
  if (lonSpan * lonScale * HEIGHT < latSpan * WIDTH) lonSpan = (latSpan * WIDTH) / (HEIGHT * lonScale);
  else latSpan = (lonSpan * lonScale * HEIGHT) / WIDTH;
  const midLon = (west + east) / 2;
  south = midLat - latSpan / 2;
  north = midLat + latSpan / 2;
  west = midLon - lonSpan / 2;
  east = midLon + lonSpan / 2;
  return { west, east, south, north };
}

/** Grid lines at a round spacing giving three to six lines across the shorter side. */
function gridLines(box: Box): { step: number; lats: number[]; lons: number[] } {
  const span = Math.min(box.north - box.south, box.east - box.west);
  const step = GRID_STEPS.find((s) => span / s <= 6) ?? 45;
  const range = (from: number, to: number) => {
    const values: number[] = [];
    for (let v = Math.ceil(from / step) * step; v < to; v += step) values.push(Number(v.toFixed(6)));
    return values;
  };
  return { step, lats: range(box.south, box.north), lons: range(box.west, box.east) };
}

function formatDegrees(value: number, step: number): string {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
  return `${value.toFixed(decimals)}°`;
}

function round(value: number): number {
  return Number(value.toFixed(DECIMALS));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
