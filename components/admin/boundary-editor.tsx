"use client";

import type L from "leaflet";
import dynamic from "next/dynamic";
import { useId, useRef, useState } from "react";
import { adminRequest } from "./admin-api";
import type { StationItem } from "./admin-types";
import { cornersOf, insertCorner, toBoundary, type Corner } from "./boundary-draft";
import { ModalDialog } from "./modal-dialog";

// Leaflet touches `window` when loaded: the map renders in the browser only.
const BoundaryMap = dynamic(() => import("./boundary-map"), { ssr: false, loading: () => <div className="boundary-map loading">Loading map…</div> });

/** Props of `BoundaryEditor`. */
export interface BoundaryEditorProps {
  station: StationItem;
  /** "Kadavanthra (KDV)". */
  label: string;
  /** Every station, for the neighbours' boundaries drawn around this one. */
  stations: readonly StationItem[];
  tileUrl: string;
  onClose: () => void;
  /** After a successful save, with the station as the API returned it. */
  onSaved: (station: StationItem) => void;
}

/**
 * Draws or adjusts a station's jurisdiction on a map (DESIGN §10): click to add a corner, drag a corner to move
 * it, right-click it (or its Remove button) to delete it; Clear empties the outline, Save sends it
 * (`PATCH /api/admin/stations/{id}` `{boundary}`, or `null` once cleared). The server checks the polygon and its
 * refusal is shown beside the map as it words it ("crosses itself near …", "does not contain the station").
 */
export function BoundaryEditor({ station, label, stations, tileUrl, onClose, onSaved }: BoundaryEditorProps) {
  const hintId = useId();
  const [corners, setCorners] = useState<Corner[]>(() => cornersOf(station.boundary));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const map = useRef<L.Map | null>(null);
  const tooFew = corners.length > 0 && corners.length < 3;

  function edit(next: Corner[]) {
    setCorners(next);
    setError(null);
  }

  async function save() {
    setSaving(true);
    const boundary = corners.length ? toBoundary(corners) : null;
    const result = await adminRequest<StationItem>("PATCH", `/api/admin/stations/${station.id}`, { boundary });
    setSaving(false);
    if (result.ok) return onSaved(result.data);
    setError((result.error.fields.boundary ?? result.error.fields.lat)?.message ?? result.error.message);
  }

  const neighbours = stations.filter((s) => s.id !== station.id).map((s) => ({ id: s.id, label: s.name, lat: s.lat, lon: s.lon, boundary: s.boundary }));

  return (
    <ModalDialog title={`Boundary of ${label}`} onClose={onClose} wide>
      <div className="admin-dialog-body boundary-editor">
        <BoundaryMap
          tileUrl={tileUrl}
          station={{ label, lat: station.lat, lon: station.lon }}
          corners={corners}
          neighbours={neighbours}
          onAdd={(corner) => edit(insertCorner(corners, corner))}
          onMove={(index, corner) => edit(corners.map((c, i) => (i === index ? corner : c)))}
          onRemove={(index) => edit(corners.filter((_, i) => i !== index))}
          onReady={(m) => (map.current = m)}
        />
        <div className="boundary-panel">
          <p id={hintId} className="field-hint">
            Click the map to add a corner; drag a numbered corner to move it; right-click it, or use its Remove button, to delete it. The
            white dot ringed in red is the station, which must lie inside. Dashed outlines are the neighbouring stations&apos; boundaries.
          </p>
          <p className="boundary-count" role="status" data-testid="boundary-count">
            {corners.length === 0
              ? "No boundary: this station has no jurisdiction, so its vehicles never raise “left jurisdiction” alerts."
              : `${corners.length} corner${corners.length === 1 ? "" : "s"}${tooFew ? ": add at least 3, or clear the outline." : "."}`}
          </p>
          {corners.length > 0 && (
            <ol className="boundary-corners" aria-label="Corners">
              {corners.map((c, i) => (
                <li key={i}>
                  <span>
                    {c.lat.toFixed(5)}, {c.lon.toFixed(5)}
                  </span>
                  <button type="button" className="ghost small" aria-label={`Remove corner ${i + 1}`} onClick={() => edit(corners.filter((_, k) => k !== i))}>
                    Remove
                  </button>
                </li>
              ))}
            </ol>
          )}
          <button
            type="button"
            className="ghost small"
            aria-describedby={hintId}
            onClick={() => {
              const centre = map.current?.getCenter();
              if (centre) edit(insertCorner(corners, { lat: centre.lat, lon: centre.lng }));
            }}
          >
            Add a corner at the map&apos;s centre
          </button>
          {error && (
            <div className="alert" role="alert" data-testid="boundary-error">
              The boundary was not saved: {error}
            </div>
          )}
        </div>
      </div>
      <div className="admin-dialog-actions">
        <button type="button" className="danger-outline" onClick={() => edit([])} disabled={corners.length === 0 || saving}>
          Clear
        </button>
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={() => void save()} disabled={tooFew || saving}>
          {saving ? "Saving…" : "Save boundary"}
        </button>
      </div>
    </ModalDialog>
  );
}
