import type { CSSProperties } from "react";
import type { BatteryReading } from "./control-room-format";

/**
 * A unit's battery in a patrol row: a battery glyph filled to its charge and the words ("Battery 62 %"). Below
 * `LOW_BATTERY_PERCENT` the glyph turns red with a "!" and the words say "Low battery", so neither colour nor the
 * glyph is the only cue. The map's vehicle label draws the same glyph (`vehicle-layer.ts`), from the same CSS.
 */
export function BatteryState({ reading }: { reading: BatteryReading }) {
  return (
    <span className={reading.low ? "battery low" : "battery"} data-testid="patrol-battery">
      <span className={reading.low ? "battery-glyph low" : "battery-glyph"} style={{ "--charge": `${reading.percent}%` } as CSSProperties} aria-hidden />
      {reading.text}
    </span>
  );
}
