/** A stream whose writes can be held back and let go together (a `net.Socket`). */
export interface Corkable {
  cork(): void;
  uncork(): void;
  readonly destroyed?: boolean;
}

/**
 * Lets every frame one socket gets in one turn of the event loop leave in one write. A Redis read often carries
 * several messages (ioredis emits them one after another, synchronously): a city-wide dashboard then gets several
 * frames in a row, and without this each is its own `write` — its own syscall and TCP segment. The first frame of a
 * turn corks the socket; a microtask, which runs as soon as the turn's synchronous work is done, uncorks every socket
 * corked in it, so the frames go out as one `writev`. No timer: nothing waits past the turn that produced it.
 */
export class WriteCoalescer {
  private readonly held = new Set<Corkable>();

  /** Holds `stream`'s writes until the end of the current turn (the first call of a turn corks it, later ones nothing). */
  hold(stream: Corkable): void {
    if (this.held.has(stream)) return;
    if (this.held.size === 0) queueMicrotask(() => this.release());
    stream.cork();
    this.held.add(stream);
  }

  /** Lets go of every stream held this turn (also called by the microtask `hold` queues). */
  release(): void {
    for (const stream of this.held) if (!stream.destroyed) stream.uncork();
    this.held.clear();
  }
}
