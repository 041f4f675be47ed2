"use client";

import { useEffect, useState } from "react";
import type { PatrolView } from "@/lib/realtime/protocol";
import type { FleetStore } from "./fleet-store";

/** The store's patrols and the clock, re-read at most every `intervalMs` (default 1 s): lists need not redraw per frame. */
export function useFleetSnapshot(store: FleetStore, intervalMs = 1_000): { patrols: PatrolView[]; now: number } {
  const read = () => ({ patrols: [...store.getState().patrols.values()], now: Date.now() });
  const [snapshot, setSnapshot] = useState(read);
  useEffect(() => {
    let lastVersion = -1;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      pending = undefined;
      lastVersion = store.getState().version;
      setSnapshot({ patrols: [...store.getState().patrols.values()], now: Date.now() });
    };
    // Membership changes (snapshot, add, remove) show at once; position updates at the interval.
    const unsubscribe = store.subscribe((state, previous) => {
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
