/**
 * What an administrator gives a phone to make it a patrol unit (docs/ARCHITECTURE.md, DESIGN §11): the address of
 * the OsmAnd endpoint, the vehicle's device id, and the settings of Traccar Client and of OsmAnd. No DOM here: the
 * phone-setup dialog and the unit tests share it.
 */

/** Where Sentinel's web server takes OsmAnd points. */
export const OSMAND_PATH = "/api/osmand";

/** The server URL a phone is offered first: the address this page was opened at, plus `OSMAND_PATH`. */
export function defaultServerUrl(origin: string): string {
  return `${origin.replace(/\/+$/, "")}${OSMAND_PATH}`;
}

/** The server URL as typed, without the spaces a paste brings along. */
const clean = (serverUrl: string) => serverUrl.trim();

/** `serverUrl` as a URL, or null when it is not an http(s) address. */
function parseServerUrl(serverUrl: string): URL | null {
  try {
    const url = new URL(clean(serverUrl));
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

/** Why `serverUrl` cannot be given to a phone, in words a person can act on; null when it can. */
export function serverUrlProblem(serverUrl: string): string | null {
  const example = "e.g. http://192.168.1.20:3000/api/osmand";
  if (clean(serverUrl) === "") return `Enter the address the phone sends its positions to, ${example}.`;
  const url = parseServerUrl(serverUrl);
  if (!url) return `The server URL must be a web address starting with http:// or https://, ${example}.`;
  if (url.search || url.hash || /[?#]/.test(clean(serverUrl))) return "The server URL must not contain “?” or “#”: the device id is added after it.";
  return null;
}

/**
 * Whether `serverUrl` names this computer itself (localhost, 127.0.0.0/8, ::1, 0.0.0.0): a phone that is given it
 * talks to itself, not to Sentinel.
 */
export function isLoopbackUrl(serverUrl: string): boolean {
  const host = parseServerUrl(serverUrl)?.hostname.toLowerCase();
  if (!host) return false;
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || host === "0.0.0.0" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The server URL with the device id, as the QR code carries it: `<serverUrl>?id=<deviceId>`. */
export function deviceAddress(serverUrl: string, deviceId: string): string {
  return `${clean(serverUrl)}?id=${encodeURIComponent(deviceId)}`;
}

/**
 * OsmAnd's "Online tracking → web address": the device address with OsmAnd's placeholders ({0} latitude, {1}
 * longitude, {2} time, {3} HDOP, {4} altitude, {5} speed).
 */
export function osmandTrackingUrl(serverUrl: string, deviceId: string): string {
  return `${deviceAddress(serverUrl, deviceId)}&lat={0}&lon={1}&timestamp={2}&hdop={3}&altitude={4}&speed={5}`;
}

/** One setting of the phone's tracking app, named as the app names it. */
export interface PhoneSetting {
  name: string;
  value: string;
}

/**
 * The Traccar Client settings that make a phone report to Sentinel, in the app's order: a point every 10 s
 * whether it moved or not (Distance 0), from GPS (High accuracy), kept while the network is away (Offline
 * buffering) and sent when it returns.
 */
export function traccarClientSettings(serverUrl: string, deviceId: string): PhoneSetting[] {
  return [
    { name: "Device identifier", value: deviceId },
    { name: "Server URL", value: clean(serverUrl) },
    { name: "Location accuracy", value: "High" },
    { name: "Frequency", value: "10 s" },
    { name: "Distance", value: "0" },
    { name: "Offline buffering", value: "On" },
  ];
}
