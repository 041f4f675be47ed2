"use client";

import { startTransition, useEffect, useRef, useState } from "react";
import type { PatrolView } from "@/lib/realtime/protocol";
import { ageingClock, type FleetState, type FleetStore } from "./fleet-store";

/**
 * The store's patrols and the ageing clock (`ageingClock`: the wall clock, standing still while the dashboard is
 * cut off), re-read at most every `intervalMs` (default 1 s): lists need not redraw per frame.
 *
 * Each re-read renders as a transition, one at a time: a list of 5,000 rows takes React longer than a frame, and in
 * slices it never holds the map (or typing in the search field) still for the whole of it. A re-read asked for while
 * the last one is still rendering waits for its commit; otherwise each would restart the other and, on a busy
 * machine, the list would never show at all.
 */
export function useFleetSnapshot(store: FleetStore, intervalMs = 1_000): { patrols: PatrolView[]; now: number } {
  const read = (state: FleetState) => ({ patrols: [...state.patrols.values()], now: ageingClock(state.status, state.lastFrameAt, Date.now()) });
  const [snapshot, setSnapshot] = useState(() => read(store.getState()));
  /** A re-read is rendering; another was asked for meanwhile; how to start one. */
  const flight = useRef({ rendering: false, again: false, refresh: () => {} });
  useEffect(() => {
    let lastVersion = -1;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      pending = undefined;
      if (flight.current.rendering) {
        flight.current.again = true;
        return;
      }
      flight.current.rendering = true;
      lastVersion = store.getState().version;
      startTransition(() => setSnapshot(read(store.getState())));
    };
    flight.current.refresh = refresh;
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
  // Committed: the next re-read may render (at once if one was asked for meanwhile).
  useEffect(() => {
    flight.current.rendering = false;
    if (!flight.current.again) return;
    flight.current.again = false;
    flight.current.refresh();
  }, [snapshot]);
  return snapshot;
}
