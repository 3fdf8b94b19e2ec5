/** Bytes of catch-up frames written per event-loop turn, across all stories. */
const BYTES_PER_TURN = 64 * 1024;

interface QueuedWrite {
  bytes: number;
  write: () => void;
}

/**
 * Writes big catch-up frames (joiners' whole stories) at most `bytesPerTurn` per event-loop
 * turn across every story, in order, so live edits go out between them. A storm of 50 joiners
 * on a 300 KB story is 15 MB of socket writes; on loopback the kernel delivers to the reader
 * inside the writer's syscall, so writing it in a few turns stalls every other story's typists
 * for tens of ms. A joiner may get live updates before the parts they build on: Yjs holds them
 * until those arrive.
 */
export class BulkSender {
  private queue: QueuedWrite[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly bytesPerTurn = BYTES_PER_TURN) {}

  /** Runs `write` (which writes `bytes`) in a later turn, after everything queued before it. */
  enqueue(bytes: number, write: () => void): void {
    this.queue.push({ bytes, write });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Writes not yet made. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  private readonly flush = (): void => {
    let budget = this.bytesPerTurn;
    while (this.head < this.queue.length && budget > 0) {
      const next = this.queue[this.head++] as QueuedWrite;
      budget -= next.bytes;
      next.write();
    }
    if (this.head < this.queue.length) {
      setImmediate(this.flush);
      return;
    }
    this.queue = [];
    this.head = 0;
    this.scheduled = false;
  };
}
