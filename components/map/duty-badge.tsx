import type { UnitStatus } from "@/lib/realtime/protocol";
import { DUTY } from "./control-room-format";

/**
 * A duty status's letter on its colour, as the map's markers show it (the label is its tooltip). Screen readers
 * hear the label instead of the letter, unless `silent` (the status is said next to it anyway).
 */
export function DutyBadge({ status, silent = false }: { status: UnitStatus; silent?: boolean }) {
  const duty = DUTY[status];
  return (
    <>
      <span className="duty" style={{ background: duty.color }} title={duty.label} aria-hidden="true" data-testid="duty-badge" data-duty={status}>
        {duty.letter}
      </span>
      {!silent && <span className="sr-only">{duty.label}</span>}
    </>
  );
}
