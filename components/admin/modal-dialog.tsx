import { useEffect, useId, useRef, type ReactNode } from "react";

/** Props of `ModalDialog`. */
export interface ModalDialogProps {
  title: string;
  /** Called on Escape or a close button; the owner then unmounts the dialog. */
  onClose: () => void;
  children: ReactNode;
  /** Wider layout for forms with a side panel (the station location picker). Default: false. */
  wide?: boolean;
  /** A click on the backdrop (outside the dialog) calls `onClose` too. Default: false, so a stray tap never loses a half-filled form. */
  closeOnBackdrop?: boolean;
}

/** Whether a pointer event at (x, y) lies outside the dialog's box, i.e. on its backdrop. */
function onBackdrop(dialog: HTMLDialogElement, x: number, y: number): boolean {
  const box = dialog.getBoundingClientRect();
  return x < box.left || x > box.right || y < box.top || y > box.bottom;
}

/**
 * A native modal `<dialog>` shown while mounted: focus moves into it (the
 * element marked `data-autofocus`, else the first field), stays trapped by
 * the browser, and returns to the element that opened it — or, if that is
 * gone (a deleted row), to the section heading.
 */
export function ModalDialog({ title, onClose, children, wide = false, closeOnBackdrop = false }: ModalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  // A press that starts inside (selecting the secret) and ends outside is not a click on the backdrop.
  const pressedBackdrop = useRef(false);
  const titleId = useId();
  const onCloseRef = useRef(onClose);

  useEffect(() => {
    onCloseRef.current = onClose;
  }, [onClose]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    const firstChoice = ["[data-autofocus]", "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea", "button"]
      .map((selector) => dialog.querySelector<HTMLElement>(selector))
      .find((element) => element !== null);
    firstChoice?.focus();
    return () => {
      if (dialog.open) dialog.close();
      const fallback = document.querySelector<HTMLElement>("[data-focus-fallback]");
      (opener?.isConnected ? opener : fallback)?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={wide ? "admin-dialog wide" : "admin-dialog"}
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Let the owner unmount us, so focus restoration runs in one place.
        event.preventDefault();
        onCloseRef.current();
      }}
      onPointerDown={(event) => {
        pressedBackdrop.current = event.target === ref.current && onBackdrop(ref.current, event.clientX, event.clientY);
      }}
      onClick={(event) => {
        if (closeOnBackdrop && pressedBackdrop.current && event.target === ref.current && onBackdrop(ref.current, event.clientX, event.clientY)) {
          onCloseRef.current();
        }
      }}
    >
      <header className="admin-dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="ghost icon" aria-label="Close dialog" onClick={() => onCloseRef.current()}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}
