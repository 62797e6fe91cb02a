// The writer thread of `plimsoll run`: turns the ring's raw event records into JSON Lines and writes them to
// the output file descriptor, so formatting runs on the second core while the engine applies commands.
import { writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { balanceEventObject } from "../engine/balance-event.js";
import { writeEventLine } from "../engine/event-bytes.js";
import {
  CLOSED,
  FAILED,
  KIND_BALANCE,
  KIND_NAME,
  KIND_TEXT,
  KIND_WRAP,
  READ,
  RingViews,
  WRITE,
} from "./event-ring.js";

export interface WriterData {
  readonly data: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly fd: number;
  readonly assets: readonly { readonly id: string; readonly decimals: number }[];
}

const OUT_BYTES = 1 << 20;

function writeAll(fd: number, buf: Buffer, length: number): void {
  let done = 0;
  while (done < length) {
    try {
      done += writeSync(fd, buf, done, length - done);
    } catch (error) {
      // A non-blocking pipe that is full: wait a moment and try again.
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

function run({ data, control: controlBuffer, fd, assets }: WriterData): void {
  const views = new RingViews(data);
  const control = new Int32Array(controlBuffer);
  const ids: string[] = [];
  const names = { accountId: (account: number) => ids[account] as string, assets };
  const decoder = new TextDecoder();
  let out = Buffer.allocUnsafe(OUT_BYTES);
  let used = 0;
  const flush = () => {
    if (used > 0) writeAll(fd, out, used);
    used = 0;
  };
  let r = 0;
  for (;;) {
    const w = Atomics.load(control, WRITE);
    if (r === w) {
      flush();
      if (Atomics.load(control, CLOSED) !== 0 && Atomics.load(control, WRITE) === r) return;
      Atomics.wait(control, WRITE, w, 100);
      continue;
    }
    while (r !== w) {
      const at = r >> 2;
      const kind = views.i32[at] as number;
      if (kind === KIND_WRAP) {
        r = 0;
        continue;
      }
      const size = views.i32[at + 1] as number;
      if (kind === KIND_BALANCE) {
        const f = r >> 3;
        const event = balanceEventObject(
          views.f64[f + 1] as number,
          views.f64[f + 2] as number,
          views.f64[f + 3] as number,
          names,
          views.i32[at + 8] as number,
          views.i32[at + 9] as number,
          views.i64[f + 6] as bigint,
          views.i64[f + 7] as bigint,
          views.i32[at + 10] as number,
          views.i32[at + 11] as number,
        );
        let end = writeEventLine(out, used, event);
        if (end < 0) {
          flush();
          end = writeEventLine(out, used, event);
        }
        used = end;
      } else if (kind === KIND_TEXT) {
        const length = views.i32[at + 2] as number;
        if (used + length > out.length) flush();
        if (length > out.length) out = Buffer.allocUnsafe(length);
        out.set(views.u8.subarray(r + 12, r + 12 + length), used);
        used += length;
      } else if (kind === KIND_NAME) {
        const length = views.i32[at + 3] as number;
        ids[views.i32[at + 2] as number] = decoder.decode(views.u8.slice(r + 16, r + 16 + length));
      } else throw new Error(`event ring: unknown record kind ${kind} at ${r}`);
      r += size;
    }
    Atomics.store(control, READ, r);
    Atomics.notify(control, READ);
  }
}

try {
  run(workerData as WriterData);
} catch (error) {
  const control = new Int32Array((workerData as WriterData).control);
  Atomics.store(control, FAILED, 1);
  Atomics.notify(control, READ);
  parentPort?.postMessage({ error: (error as Error).message });
}
