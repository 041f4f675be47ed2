import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/**
 * A moment as the reader's clock shows it: "30 Nov 2026, 14:05". The server cannot know the reader's time zone, so
 * it renders UTC (saying so) and the browser switches to its own zone right after hydrating; the locale is fixed, so
 * server and browser agree on every other character.
 */
export function LocalDateTime({ ms }: { ms: number }) {
  const inBrowser = useSyncExternalStore(noSubscription, () => true, () => false);
  const date = new Date(ms);
  const text = date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: inBrowser ? undefined : "UTC" });
  return <time dateTime={date.toISOString()}>{inBrowser ? text : `${text} UTC`}</time>;
}
