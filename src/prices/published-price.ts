// The price an index or a mark last published, as the number it came from: whether a new value would publish
// a different text is told by comparing keys (priceKey), and the text itself is formatted only when something
// reads it (an event object, the state hash), not on every computation.
import { priceKey, priceText } from "./priced.js";

export class PublishedPrice {
  /** The value last published (NaN: never) and its key. */
  value = Number.NaN;
  key = Number.NaN;
  #textOf = Number.NaN;
  #text = "";

  constructor(readonly decimals: number) {}

  keyOf(value: number): number {
    return priceKey(value, this.decimals);
  }

  /** Whether `value` (with `key = keyOf(value)`) publishes a different text from the last publication. */
  differs(value: number, key: number): boolean {
    if (Number.isNaN(key) || Number.isNaN(this.key)) return priceText(value, this.decimals) !== this.text;
    return key !== this.key;
  }

  record(value: number, key: number): void {
    this.value = value;
    this.key = key;
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
}
