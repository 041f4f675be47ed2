import { useCallback, useState } from "react";
import { adminRequest } from "./admin-api";
import type { AdminLists, ResourceName } from "./admin-types";

/** Lists a section shows, their reload and the last reload's failure. */
export interface AdminListsState<T extends Partial<AdminLists>> {
  lists: T;
  /** Reloads every list of `initial` from the API (after a write: a move changes children's ids too). */
  reload: () => Promise<void>;
  /** Why the last reload failed, or null. */
  reloadError: string | null;
}

/**
 * Holds the lists a console section needs, starting from what the server
 * page rendered, and reloads them all from the admin API on demand.
 */
export function useAdminLists<T extends Partial<AdminLists>>(initial: T): AdminListsState<T> {
  const [lists, setLists] = useState<T>(initial);
  const [reloadError, setReloadError] = useState<string | null>(null);
  const [names] = useState(() => Object.keys(initial) as ResourceName[]);

  const reload = useCallback(async () => {
    const results = await Promise.all(names.map((name) => adminRequest<{ items: unknown[] }>("GET", `/api/admin/${name}`)));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) {
      setReloadError(`The lists could not be reloaded: ${failed.error.message}`);
      return;
    }
    const next: Partial<Record<ResourceName, unknown[]>> = {};
    results.forEach((result, index) => {
      if (result.ok) next[names[index]!] = result.data.items;
    });
    setLists(next as T);
    setReloadError(null);
  }, [names]);

  return { lists, reload, reloadError };
}
