"use client";

import { useEffect, useRef, useState } from "react";
import type { AlertView } from "@/lib/realtime/protocol";
import { ALERT_KIND_LABEL, clockTime } from "./control-room-format";

/** The alarm: a short two-tone WAV made by `scripts/make-alarm-sound.ts` (no download), looped while an SOS is open. */
const ALARM_SOUND_URL = "/sounds/sos-alarm.wav";

export interface SosBannerProps {
  /** Open (unacknowledged) SOS alerts, oldest first. */
  alerts: AlertView[];
  stationName(stationId: number): string;
  /** Alerts with a request in flight: their buttons wait. */
  busy: ReadonlySet<number>;
  onAction(alert: AlertView, action: "ack" | "resolve"): void;
  onShow(alert: AlertView): void;
}

/**
 * One banner per open SOS, each staying until someone acknowledges it (on any dashboard: the ALERT frame removes
 * it), and the alarm sounding meanwhile. Browsers may refuse to play sound before the user has interacted with the
 * page: then a button says the sound is muted and enables it.
 */
export function SosBanner({ alerts, stationName, busy, onAction, onShow }: SosBannerProps) {
  const audioRef = useRef<HTMLAudioElement | null>(null);
  const [muted, setMuted] = useState(false);
  const sounding = alerts.length > 0;
  const newest = alerts.at(-1)?.alertId;

  useEffect(() => {
    const audio = audioRef.current;
    if (!audio) return;
    if (!sounding) {
      audio.pause();
      return;
    }
    // Each new SOS starts the alarm again from the top.
    audio.currentTime = 0;
    audio.play().then(
      () => setMuted(false),
      () => setMuted(true),
    );
  }, [sounding, newest]);

  function enableSound() {
    audioRef.current?.play().then(
      () => setMuted(false),
      () => setMuted(true),
    );
  }

  if (!sounding) return null;
  return (
    <div className="sos-banners">
      <audio ref={audioRef} src={ALARM_SOUND_URL} loop preload="auto" data-testid="sos-audio" />
      {muted && (
        <button type="button" className="sound-muted" onClick={enableSound} data-testid="sound-muted">
          Sound muted – click to enable
        </button>
      )}
      {alerts.map((a) => (
        <div key={a.alertId} className="sos-banner" role="alert" data-testid="sos-banner" data-alert-id={a.alertId} data-call-sign={a.callSign}>
          <p>
            <strong className="sos-kind">{ALERT_KIND_LABEL[a.kind]}</strong> <bdi className="sos-call-sign">{a.callSign}</bdi>
            <span className="sos-where">
              {" "}
              – <bdi>{stationName(a.stationId)}</bdi> – raised at <time dateTime={new Date(a.at).toISOString()}>{clockTime(a.at)}</time>
            </span>
          </p>
          <div className="sos-actions">
            <button type="button" className="ghost small" onClick={() => onShow(a)} aria-label={`Show ${a.callSign} on the map`}>
              Show on map
            </button>
            <button type="button" className="small acknowledge" disabled={busy.has(a.alertId)} onClick={() => onAction(a, "ack")} aria-label={`Acknowledge the SOS of ${a.callSign}`}>
              Acknowledge
            </button>
            <button type="button" className="ghost small" disabled={busy.has(a.alertId)} onClick={() => onAction(a, "resolve")} aria-label={`Resolve the SOS of ${a.callSign}`}>
              Resolve
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
