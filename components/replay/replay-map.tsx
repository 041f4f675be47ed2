"use client";

import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useRef } from "react";
import { MapContainer, TileLayer, useMap } from "react-leaflet";
import type { Position } from "@/lib/realtime/protocol";

/** Where the map opens before a track is chosen: Kochi. */
const FALLBACK_CENTER: L.LatLngTuple = [9.9816, 76.2999];

/** One replayed track: its points, its colour, and the vehicle's position at the playhead (null before loading). */
export interface ReplayTrack {
  patrolId: number;
  points: readonly Position[];
  color: string;
  at: { lat: number; lon: number } | null;
}

export interface ReplayMapProps {
  tileUrl: string;
  tracks: readonly ReplayTrack[];
}

/** Fits the view to every track whenever the set of tracks changes (not as the playhead moves). */
function FitTracks({ tracks }: { tracks: readonly ReplayTrack[] }) {
  const map = useMap();
  const key = tracks.map((t) => `${t.patrolId}:${t.points.length}`).join(",");
  useEffect(() => {
    const all = tracks.flatMap((t) => t.points.map((p) => [p.lat, p.lon] as L.LatLngTuple));
    if (all.length > 0) map.fitBounds(L.latLngBounds(all), { padding: [40, 40], maxZoom: 16, animate: false });
    // The key names what changed; the points themselves are read from this render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [map, key]);
  return null;
}

function Track({ points, at, color }: Omit<ReplayTrack, "patrolId">) {
  const map = useMap();
  const marker = useRef<L.CircleMarker | null>(null);

  useEffect(() => {
    if (points.length === 0) return;
    const renderer = L.canvas();
    const line = L.polyline(
      points.map((p) => [p.lat, p.lon] as L.LatLngTuple),
      { renderer, color, weight: 3, opacity: 0.85 },
    ).addTo(map);
    return () => void line.remove();
  }, [map, points, color]);

  useEffect(() => {
    if (!at) {
      marker.current?.remove();
      marker.current = null;
      return;
    }
    if (!marker.current) {
      marker.current = L.circleMarker([at.lat, at.lon], { radius: 7, color: "#ffffff", weight: 3, fillColor: color, fillOpacity: 1 }).addTo(map);
    } else {
      marker.current.setLatLng([at.lat, at.lon]);
    }
  }, [map, at, color]);

  useEffect(() => () => void marker.current?.remove(), []);
  return null;
}

/** The replay page's map: each whole track as a line in its colour, each vehicle where the playhead is. */
export default function ReplayMap({ tileUrl, tracks }: ReplayMapProps) {
  return (
    <MapContainer center={FALLBACK_CENTER} zoom={12} preferCanvas className="live-map" aria-label="Map of the replayed track">
      <TileLayer url={tileUrl} attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' />
      <FitTracks tracks={tracks} />
      {tracks.map((t) => (
        <Track key={t.patrolId} points={t.points} at={t.at} color={t.color} />
      ))}
    </MapContainer>
  );
}
