// The price an index or a mark last published, as the number it came from: whether a new value would publish
// a different text is told by comparing keys (priceKey), and the text itself is formatted only when something
// reads it (an event object, the state hash), not on every computation.

import { decodeNumber, encodeNumber, type SnapNumber } from "../kernel/snapshot-numbers.js";
import { priceKey, priceText } from "./priced.js";

/** The publication: its value and key (the text is formatted again from the value when read). */
export interface PublishedPriceSnapshot {
  readonly value: SnapNumber;
  readonly key: SnapNumber;
}

export class PublishedPrice {
  /** The value last published (NaN: never) and its key. */
  value = Number.NaN;
  key = Number.NaN;
  #textOf = Number.NaN;
  #text = "";
  /** The value `differs` last looked at, with its key: what `record` publishes. */
  #next = Number.NaN;
  #nextKey = Number.NaN;

  constructor(readonly decimals: number) {}

  keyOf(value: number): number {
    return priceKey(value, this.decimals);
  }

  /**
   * Whether `holder.value` publishes a different text from the last publication; `record` then publishes it. Its
   * key is taken from `same` when that publication is of the same value (a mark equal to its index), else
   * computed. The value is read from its holder, not passed: a double passed to a call V8 does not inline is
   * boxed, a heap number per call (measured: 32 bytes per price command here).
   */
  differs(holder: { readonly value: number }, same: PublishedPrice | null): boolean {
    const value = holder.value;
    const key = same !== null && same.value === value ? same.key : priceKey(value, this.decimals);
    this.#next = value;
    this.#nextKey = key;
    if (Number.isNaN(key) || Number.isNaN(this.key)) return priceText(value, this.decimals) !== this.text;
    return key !== this.key;
  }

  /** Publishes the value `differs` last looked at. */
  record(): void {
    this.value = this.#next;
    this.key = this.#nextKey;
  }

  /** The published text: "" before the first publication. */
  get text(): string {
    if (Number.isNaN(this.value)) return "";
    if (this.#textOf !== this.value) {
      this.#text = priceText(this.value, this.decimals);
      this.#textOf = this.value;
    }
    return this.#text;
  }

  /**
   * Not the value `differs` last looked at: `record` publishes it only right after that `differs`, in the same
   * computation. The text cache is dropped, so the text is formatted from the restored value.
   */
  snapshot(): PublishedPriceSnapshot {
    return { value: encodeNumber(this.value), key: encodeNumber(this.key) };
  }

  restore(s: PublishedPriceSnapshot): void {
    this.value = decodeNumber(s.value, "published value");
    this.key = decodeNumber(s.key, "published key");
    this.#textOf = Number.NaN;
    this.#text = "";
  }
}
