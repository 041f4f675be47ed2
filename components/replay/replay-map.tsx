"use client";

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef } from "react";
import { MapContainer, TileLayer, useMap } from "react-leaflet";
import type { Position } from "@/lib/realtime/protocol";

/** Where the map opens before a track is chosen: Kochi. */
const FALLBACK_CENTER: L.LatLngTuple = [9.9816, 76.2999];

export interface ReplayMapProps {
  tileUrl: string;
  points: readonly Position[];
  /** The vehicle's position at the playhead, or null before a track is loaded. */
  at: { lat: number; lon: number } | null;
}

function Track({ points, at }: Omit<ReplayMapProps, "tileUrl">) {
  const map = useMap();
  const marker = useRef<L.CircleMarker | null>(null);

  useEffect(() => {
    if (points.length === 0) return;
    const renderer = L.canvas();
    const line = L.polyline(
      points.map((p) => [p.lat, p.lon] as L.LatLngTuple),
      { renderer, color: "#5aa9ff", weight: 3, opacity: 0.85 },
    ).addTo(map);
    map.fitBounds(line.getBounds(), { padding: [40, 40], maxZoom: 16 });
    return () => void line.remove();
  }, [map, points]);

  useEffect(() => {
    if (!at) {
      marker.current?.remove();
      marker.current = null;
      return;
    }
    if (!marker.current) {
      marker.current = L.circleMarker([at.lat, at.lon], { radius: 7, color: "#ffffff", weight: 3, fillColor: "#3ecf8e", fillOpacity: 1 }).addTo(map);
    } else {
      marker.current.setLatLng([at.lat, at.lon]);
    }
  }, [map, at]);

  useEffect(() => () => void marker.current?.remove(), []);
  return null;
}

/** The replay page's map: the whole track as a line, the vehicle where the playhead is. */
export default function ReplayMap({ tileUrl, points, at }: ReplayMapProps) {
  return (
    <MapContainer center={FALLBACK_CENTER} zoom={12} preferCanvas className="live-map" aria-label="Map of the replayed track">
      <TileLayer url={tileUrl} attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' />
      <Track points={points} at={at} />
    </MapContainer>
  );
}
