"use client";

import { useEffect, useState } from "react";
import type { PatrolView } from "@/lib/realtime/protocol";
import { ageingClock, type FleetState, type FleetStore } from "./fleet-store";

/**
 * The store's patrols and the ageing clock (`ageingClock`: the wall clock, standing still while the dashboard is
 * cut off), re-read at most every `intervalMs` (default 1 s): lists need not redraw per frame.
 */
export function useFleetSnapshot(store: FleetStore, intervalMs = 1_000): { patrols: PatrolView[]; now: number } {
  const read = (state: FleetState) => ({ patrols: [...state.patrols.values()], now: ageingClock(state.status, state.lastFrameAt, Date.now()) });
  const [snapshot, setSnapshot] = useState(() => read(store.getState()));
  useEffect(() => {
    let lastVersion = -1;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      pending = undefined;
      lastVersion = store.getState().version;
      setSnapshot(read(store.getState()));
    };
    // Membership changes (snapshot, add, remove) and the connection's state show at once; position updates at the interval.
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.status !== previous.status) return refresh();
      if (state.version === lastVersion) return;
      if (state.patrols.size !== previous.patrols.size) refresh();
      else pending ??= setTimeout(refresh, intervalMs);
    });
    const tick = setInterval(refresh, intervalMs);
    return () => {
      unsubscribe();
      clearInterval(tick);
      clearTimeout(pending);
    };
  }, [store, intervalMs]);
  return snapshot;
}
