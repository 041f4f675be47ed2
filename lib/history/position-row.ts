/** One stored point: a row of `positions`, as the history writer inserts it and the track reader reads it. */
export interface PositionRow {
  patrolId: number;
  vehicleId: number;
  /** Epoch milliseconds. */
  ts: number;
  lat: number;
  lon: number;
  /** m/s; null when the device did not send it (likewise heading and accuracy). */
  speed: number | null;
  heading: number | null;
  accuracy: number | null;
}
