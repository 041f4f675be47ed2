"use client";

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect } from "react";
import { MapContainer, Marker, Polygon, TileLayer, useMap, useMapEvents } from "react-leaflet";
import type { BoundaryPolygon } from "@/lib/geo/polygon";
import type { Corner } from "./boundary-draft";

/** A neighbouring station, drawn faintly for orientation. */
export interface NeighbourStation {
  id: number;
  label: string;
  lat: number;
  lon: number;
  boundary: BoundaryPolygon | null;
}

/** Props of `BoundaryMap`. */
export interface BoundaryMapProps {
  tileUrl: string;
  station: { label: string; lat: number; lon: number };
  corners: readonly Corner[];
  neighbours: readonly NeighbourStation[];
  onAdd: (corner: Corner) => void;
  onMove: (index: number, corner: Corner) => void;
  onRemove: (index: number) => void;
  /** Receives the map once it exists (the editor's "add a corner at the centre" reads its centre). */
  onReady?: (map: L.Map) => void;
}

/** Half the side of the area shown around a station with no boundary yet: 0.015° (about 1.7 km). */
const AROUND_STATION = 0.015;

// Icons are styled elements (app/admin/admin.css), not images: nothing is fetched, whatever the tiles.
const cornerIcon = (n: number) => L.divIcon({ className: "boundary-corner", html: `<span>${n}</span>`, iconSize: [24, 24] });
const stationIcon = L.divIcon({ className: "boundary-station", iconSize: [18, 18] });

/** Frames the boundary (or the area round the station) once, when the map opens. */
function FitOnOpen({ station, corners, onReady }: Pick<BoundaryMapProps, "station" | "corners" | "onReady">) {
  const map = useMap();
  useEffect(() => {
    const points: L.LatLngTuple[] = [[station.lat, station.lon], ...corners.map((c): L.LatLngTuple => [c.lat, c.lon])];
    const bounds = corners.length
      ? L.latLngBounds(points)
      : L.latLngBounds([station.lat - AROUND_STATION, station.lon - AROUND_STATION], [station.lat + AROUND_STATION, station.lon + AROUND_STATION]);
    map.fitBounds(bounds, { padding: [30, 30], animate: false });
    onReady?.(map);
    // Only when the map opens: later edits must not move the view under the admin's pointer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [map]);
  return null;
}

function ClickToAdd({ onAdd }: Pick<BoundaryMapProps, "onAdd">) {
  useMapEvents({ click: (event) => onAdd({ lat: event.latlng.lat, lon: event.latlng.lng }) });
  return null;
}

/**
 * The boundary editor's map: the station's pin, its draft outline with one numbered, draggable handle per
 * corner (right-click one to remove it), and the neighbouring stations' boundaries, dashed, for orientation.
 * Clicking the map adds a corner. Tiles come from `tileUrl`; without them the outline still draws on a plain
 * background.
 */
export default function BoundaryMap({ tileUrl, station, corners, neighbours, onAdd, onMove, onRemove, onReady }: BoundaryMapProps) {
  const outline = corners.map((c): L.LatLngTuple => [c.lat, c.lon]);
  return (
    <div className="boundary-map-frame" role="region" aria-label={`Map for drawing the boundary of ${station.label}`} data-testid="boundary-map">
      <MapContainer center={[station.lat, station.lon]} zoom={14} className="boundary-map" doubleClickZoom={false}>
        <TileLayer url={tileUrl} attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' />
        <FitOnOpen station={station} corners={corners} onReady={onReady} />
        <ClickToAdd onAdd={onAdd} />
        {neighbours.map((n) =>
          n.boundary ? (
            <Polygon
              key={n.id}
              positions={n.boundary.coordinates[0]!.map(([lon, lat]): L.LatLngTuple => [lat, lon])}
              pathOptions={{ color: "#6b7f9e", weight: 1, dashArray: "4 4", fillOpacity: 0.04 }}
              interactive={false}
            />
          ) : null,
        )}
        {outline.length >= 2 && (
          <Polygon positions={outline} pathOptions={{ color: "#4ea1ff", weight: 2, fillOpacity: 0.15 }} interactive={false} />
        )}
        <Marker position={[station.lat, station.lon]} icon={stationIcon} interactive={false} keyboard={false} title={station.label} alt={`Station ${station.label}`} />
        {corners.map((c, i) => (
          <Marker
            key={i}
            position={[c.lat, c.lon]}
            icon={cornerIcon(i + 1)}
            draggable
            title={`Corner ${i + 1}: drag to move, right-click to remove`}
            alt={`Corner ${i + 1}`}
            eventHandlers={{
              dragend: (event) => {
                const at = (event.target as L.Marker).getLatLng();
                onMove(i, { lat: at.lat, lon: at.lng });
              },
              contextmenu: (event) => {
                event.originalEvent.preventDefault();
                onRemove(i);
              },
            }}
          />
        ))}
      </MapContainer>
    </div>
  );
}
