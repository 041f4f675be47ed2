import { useEffect, useId, useState } from "react";

type CopyState = "idle" | "copied" | "failed";

/** A credential the API returns only once (a device secret, a device id), as its dialog tracks it. */
export interface ShownOnce {
  /** What it is, in the dialog's words: "secret", "device id". */
  noun: string;
  value: string;
  copy: CopyState;
  /** "I have stored it another way" is ticked. */
  stored: boolean;
  setStored(stored: boolean): void;
  /** The dialog is asking whether to close although the value was neither copied nor stored. */
  asking: boolean;
  /** Every way out of the dialog (Esc, ×, a click outside, Done) calls this: it closes once the value is kept, else asks. */
  requestClose(): void;
  keepOpen(): void;
  /** Really closes (the "Close without copying" answer, or any way out once kept). */
  close(): void;
  copyValue(): Promise<void>;
  /** Element ids of the value's input, its Copy button, the closing question and "Keep it open" (focus moves between them). */
  ids: { input: string; copy: string; ask: string; keepOpen: string };
}

/**
 * The state of a dialog showing a credential once: until it was copied, or "I have stored it another way" is
 * ticked, closing first asks, so it is never lost by a stray key. Without the async clipboard (plain http on a LAN
 * address is not a secure context) the text is selected for Ctrl+C instead.
 */
export function useShownOnce(noun: string, value: string, onClose: () => void): ShownOnce {
  const [copy, setCopy] = useState<CopyState>("idle");
  const [stored, setStored] = useState(false);
  const [asking, setAsking] = useState(false);
  const id = useId();
  const ids = { input: `${id}-value`, copy: `${id}-copy`, ask: `${id}-ask`, keepOpen: `${id}-keep-open` };
  const kept = copy === "copied" || stored;

  useEffect(() => {
    if (asking) document.getElementById(ids.keepOpen)?.focus();
  }, [asking, ids.keepOpen]);

  return {
    noun,
    value,
    copy,
    stored,
    setStored,
    asking,
    requestClose: () => (kept ? onClose() : setAsking(true)),
    keepOpen() {
      setAsking(false);
      document.getElementById(ids.copy)?.focus();
    },
    close: onClose,
    async copyValue() {
      try {
        await navigator.clipboard.writeText(value);
        setCopy("copied");
        setAsking(false);
      } catch {
        (document.getElementById(ids.input) as HTMLInputElement | null)?.select();
        setCopy("failed");
      }
    },
    ids,
  };
}

/** Props of `ShownOnceField`. */
export interface ShownOnceFieldProps {
  state: ShownOnce;
  label: string;
  testId: string;
  /** Also counted as "stored another way", after "typed or written down". Default: none. */
  otherWays?: string;
}

/** The credential in a read-only input with its Copy button (which takes the dialog's first focus), what copying did, and "I have stored it another way". */
export function ShownOnceField({ state, label, testId, otherWays }: ShownOnceFieldProps) {
  return (
    <>
      <label htmlFor={state.ids.input}>{label}</label>
      <div className="secret-row">
        <input
          id={state.ids.input}
          className="secret-value"
          readOnly
          value={state.value}
          data-testid={testId}
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button id={state.ids.copy} type="button" className="primary" onClick={() => void state.copyValue()} data-autofocus>
          Copy
        </button>
      </div>
      <p className="field-hint" role="status" aria-live="polite">
        {state.copy === "copied" && "Copied to the clipboard."}
        {state.copy === "failed" &&
          `The clipboard is not available here: the ${state.noun} is selected, press Ctrl+C (⌘C) to copy it, then tick “I have stored it another way”.`}
      </p>
      <label className="checkbox-label">
        <input type="checkbox" checked={state.stored} onChange={(event) => state.setStored(event.target.checked)} />I have stored it another way (typed
        {otherWays ? `, ${otherWays}` : ""} or written down)
      </label>
    </>
  );
}

/** The dialog's footer: "Done", or, while asking, the question with "Keep it open" (focused) and "Close without copying". */
export function ShownOnceActions({ state, doneLabel }: { state: ShownOnce; doneLabel: string }) {
  if (!state.asking) {
    return (
      <div className="admin-dialog-actions">
        <button type="button" className="ghost" onClick={state.requestClose}>
          {doneLabel}
        </button>
      </div>
    );
  }
  return (
    <div className="admin-dialog-actions secret-ask" role="group" aria-labelledby={state.ids.ask}>
      <p id={state.ids.ask} className="secret-ask-text">
        The {state.noun} is shown only once. Close without copying?
      </p>
      <button id={state.ids.keepOpen} type="button" className="ghost" onClick={state.keepOpen}>
        Keep it open
      </button>
      <button type="button" className="danger" onClick={state.close}>
        Close without copying
      </button>
    </div>
  );
}
