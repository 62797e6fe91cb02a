// A single-producer, single-consumer ring of event records in shared memory: the engine's thread writes raw
// records (no formatting), the writer thread turns them into JSON Lines. Records are 8-byte aligned and never
// wrap; a WRAP marker sends the reader back to offset 0.

export const RING_BYTES = 1 << 23;
/** Control words (Int32Array over their own SharedArrayBuffer). */
export const WRITE = 0;
export const READ = 1;
export const CLOSED = 2;
export const FAILED = 3;
export const CONTROL_WORDS = 4;

export const KIND_BALANCE = 1;
export const KIND_TEXT = 2;
export const KIND_NAME = 3;
export const KIND_WRAP = 4;

export const BALANCE_RECORD_BYTES = 64;

/** Typed views over one ring's data. */
export class RingViews {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly i64: BigInt64Array;
  readonly u8: Uint8Array;

  constructor(readonly data: SharedArrayBuffer) {
    this.i32 = new Int32Array(data);
    this.f64 = new Float64Array(data);
    this.i64 = new BigInt64Array(data);
    this.u8 = new Uint8Array(data);
  }
}

export function align8(n: number): number {
  return (n + 7) & ~7;
}

/** The writer thread gave up (its error arrives as a message); the producer must stop. */
export class RingFailed extends Error {}

/** The producer side. Records become visible to the reader at `publish`. */
export class RingWriter {
  readonly views: RingViews;
  private w = 0;

  constructor(
    data: SharedArrayBuffer,
    private readonly control: Int32Array,
  ) {
    this.views = new RingViews(data);
  }

  /** Offset where a record of `size` bytes (8-aligned) may be written; waits for the reader when full. */
  reserve(size: number): number {
    const ring = this.views.data.byteLength;
    if (size >= ring / 2) throw new RangeError(`event record of ${size} bytes exceeds the ring`);
    for (;;) {
      const r = Atomics.load(this.control, READ);
      const w = this.w;
      // Never fill to exactly r: w === r means empty.
      if (w >= r) {
        if (ring - w > size) return w;
        if (r > size) {
          this.views.i32[w >> 2] = KIND_WRAP;
          this.w = 0;
          return 0;
        }
      } else if (r - w > size) return w;
      this.publish();
      if (Atomics.load(this.control, FAILED) !== 0) throw new RingFailed("the event writer stopped");
      Atomics.wait(this.control, READ, r, 50);
    }
  }

  /** Marks the record at `offset` as `size` bytes long; the next one starts after it. */
  commit(offset: number, size: number): void {
    this.w = offset + size;
  }

  publish(): void {
    if (Atomics.load(this.control, WRITE) === this.w) return;
    Atomics.store(this.control, WRITE, this.w);
    Atomics.notify(this.control, WRITE);
  }

  close(): void {
    this.publish();
    Atomics.store(this.control, CLOSED, 1);
    Atomics.notify(this.control, WRITE);
  }
}
