"use client";

import dynamic from "next/dynamic";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { HistoryItem } from "@/lib/history/list-history";
import type { StationPin } from "@/lib/org/stations-in-scope";
import type { Position } from "@/lib/realtime/protocol";
import { formatElapsed, MAX_TRACKS, PLAYBACK_SPEEDS, positionAt, spanOf, TRACK_COLORS } from "./playback";

// Leaflet touches `window` on import: load the map in the browser only.
const ReplayMap = dynamic(() => import("./replay-map"), { ssr: false, loading: () => <div className="live-map loading">Loading map…</div> });

interface Track {
  patrol: HistoryItem;
  points: Position[];
}

/** A `datetime-local` value (local time, minutes) for `ms`. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** GET a JSON API; throws the server's error message (a person can act on it). */
async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: "no-store" });
  const body = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!res.ok || !body) throw new Error(body?.error?.message ?? `The server answered ${res.status}; try again.`);
  return body;
}

const timeOf = (ms: number) => new Date(ms).toLocaleString([], { dateStyle: "short", timeStyle: "medium" });

export interface ReplayViewProps {
  stations: StationPin[];
  tileUrl: string;
}

/**
 * The replay page's client island: find a patrol, see its whole track, play it back, download it — and add other
 * patrols of the window to play them together on one clock (an incident review of the units near a scene).
 */
export function ReplayView({ stations, tileUrl }: ReplayViewProps) {
  const [from, setFrom] = useState(() => localInput(Date.now() - 24 * 3_600_000));
  const [to, setTo] = useState("");
  const [stationId, setStationId] = useState("");
  const [callSign, setCallSign] = useState("");
  const [items, setItems] = useState<HistoryItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tracks, setTracks] = useState<Track[]>([]);
  /** The patrol opened first: the clock's label, the downloads and the position shown beside the slider. */
  const track = tracks[0] ?? null;
  const [playhead, setPlayhead] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(10);

  const search = useCallback(() => {
    const q = new URLSearchParams({ from: String(new Date(from).getTime()) });
    if (to) q.set("to", String(new Date(to).getTime()));
    if (stationId) q.set("stationId", stationId);
    return getJson<{ items: HistoryItem[] }>(`/api/patrols/history?${q}`).then(
      ({ items: found }) => {
        setItems(found);
        setError(null);
      },
      (err: Error) => setError(err.message),
    );
  }, [from, to, stationId]);

  useEffect(() => {
    void search();
    // Once, on load: later searches are asked for with the button.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const load = (patrol: HistoryItem) => getJson<{ points: Position[] }>(`/api/patrols/${patrol.patrolId}/track`).then(({ points }) => ({ patrol, points }));

  /** Replays this patrol alone. */
  const open = async (patrol: HistoryItem) => {
    setError(null);
    setPlaying(false);
    try {
      const loaded = await load(patrol);
      setTracks([loaded]);
      setPlayhead(loaded.points[0]?.ts ?? 0);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  /** Adds this patrol to the replay, on the same clock. */
  const add = async (patrol: HistoryItem) => {
    setError(null);
    try {
      const loaded = await load(patrol);
      setTracks((current) => (current.some((t) => t.patrol.patrolId === patrol.patrolId) || current.length >= MAX_TRACKS ? current : [...current, loaded]));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const { start, end } = useMemo(() => spanOf(tracks.map((t) => t.points)), [tracks]);
  // The clock shown stays inside the span of what is replayed (which changes as patrols are added or removed).
  const clock = tracks.length ? Math.min(Math.max(playhead, start), end) : playhead;

  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    let last = performance.now();
    const step = (now: number) => {
      const dt = now - last;
      last = now;
      setPlayhead((t) => {
        const next = Math.min(end, Math.max(t, start) + dt * speed);
        if (next >= end) setPlaying(false);
        return next;
      });
      frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, start, end]);

  const positions = useMemo(() => tracks.map((t) => positionAt(t.points, clock)), [tracks, clock]);
  const at = positions[0] ?? null;
  const stationName = useMemo(() => new Map(stations.map((s) => [s.id, s.name])), [stations]);
  const shown = (items ?? []).filter((i) => i.callSign.toLowerCase().includes(callSign.trim().toLowerCase()));
  const download = (format: string) => (track ? `/api/patrols/${track.patrol.patrolId}/track?format=${format}` : undefined);

  return (
    <div className="dashboard-body">
      <aside className="sidebar">
        <form
          className="sidebar-tools"
          data-testid="replay-search"
          onSubmit={(e) => {
            e.preventDefault();
            void search();
          }}
        >
          <h2>Find a patrol</h2>
          <label>
            From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />
          </label>
          <label>
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} aria-describedby="to-hint" />
          </label>
          <small id="to-hint">Leave “To” empty for now.</small>
          <label>
            Station
            <select value={stationId} onChange={(e) => setStationId(e.target.value)}>
              <option value="">All in your jurisdiction</option>
              {stations.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <input type="search" placeholder="Call sign" aria-label="Filter by call sign" value={callSign} onChange={(e) => setCallSign(e.target.value)} />
          <button type="submit">Search</button>
        </form>
        {error && (
          <p className="empty" role="alert">
            {error}
          </p>
        )}
        <ul className="patrol-list" aria-label="Patrols in the window">
          {items !== null && shown.length === 0 && <li className="empty">No patrols match.</li>}
          {shown.map((p) => (
            <li key={p.patrolId} className={`patrol-row${track?.patrol.patrolId === p.patrolId ? " following" : ""}`}>
              {track && (
                <button
                  type="button"
                  className="ghost small"
                  data-testid="replay-add"
                  data-patrol-id={p.patrolId}
                  aria-label={`Add ${p.callSign} to the replay`}
                  title={`Replay ${p.callSign} on the same clock`}
                  disabled={tracks.some((t) => t.patrol.patrolId === p.patrolId) || tracks.length >= MAX_TRACKS}
                  onClick={() => void add(p)}
                >
                  +
                </button>
              )}
              <button type="button" className="patrol-main" data-testid="replay-patrol" data-patrol-id={p.patrolId} onClick={() => void open(p)}>
                <span className="dot live" />
                <span className="call-sign">{p.callSign}</span>
                <span className="speed">{p.points} pts</span>
                <span className="station">{stationName.get(p.stationId) ?? `Station ${p.stationId}`}</span>
                <span className="seen">
                  {timeOf(p.startedAt)} – {p.endedAt === null ? "on patrol" : timeOf(p.endedAt)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section className="replay-main">
        <div className="replay-controls statusbar" aria-label="Playback">
          {track ? (
            <>
              <strong data-testid="replay-call-sign">{track.patrol.callSign}</strong>
              <button type="button" data-testid="replay-play" disabled={track.points.length < 2} onClick={() => (clock >= end ? (setPlayhead(start), setPlaying(true)) : setPlaying(!playing))}>
                {playing ? "Pause" : "Play"}
              </button>
              <label>
                Speed{" "}
                <select data-testid="replay-speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
                  {PLAYBACK_SPEEDS.map((s) => (
                    <option key={s} value={s}>
                      {s}×
                    </option>
                  ))}
                </select>
              </label>
              <input
                type="range"
                className="replay-slider"
                data-testid="replay-slider"
                aria-label="Playback position"
                min={start}
                max={end}
                step={1000}
                value={clock}
                onChange={(e) => setPlayhead(Number(e.target.value))}
              />
              <span data-testid="replay-time" data-ts={Math.round(clock)} data-lat={at?.lat} data-lon={at?.lon}>
                {formatElapsed(clock - start)} / {formatElapsed(end - start)} · {timeOf(clock)}
              </span>
              <span className="notice">
                Download <a href={download("gpx")} download>GPX</a> · <a href={download("geojson")} download>GeoJSON</a> ·{" "}
                <a href={download("csv")} download>CSV</a>
              </span>
            </>
          ) : (
            <span>Choose a patrol to replay its track.</span>
          )}
          {track && track.points.length === 0 && <span role="status">No positions stored for this patrol in its window.</span>}
        </div>
        {tracks.length > 1 && (
          <ul className="replay-legend" data-testid="replay-legend" aria-label="Patrols replayed together">
            {tracks.map((t, i) => (
              <li key={t.patrol.patrolId} data-patrol-id={t.patrol.patrolId} data-lat={positions[i]?.lat} data-lon={positions[i]?.lon}>
                <span className="swatch" style={{ background: TRACK_COLORS[i] }} aria-hidden="true" />
                <bdi>{t.patrol.callSign}</bdi>
                {i > 0 && (
                  <button
                    type="button"
                    className="ghost small"
                    aria-label={`Remove ${t.patrol.callSign} from the replay`}
                    onClick={() => setTracks((current) => current.filter((c) => c.patrol.patrolId !== t.patrol.patrolId))}
                  >
                    ×
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        <ReplayMap
          tileUrl={tileUrl}
          tracks={tracks.map((t, i) => ({ patrolId: t.patrol.patrolId, points: t.points, color: TRACK_COLORS[i]!, at: positions[i] ?? null }))}
        />
      </section>
    </div>
  );
}
