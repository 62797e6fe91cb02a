// Central limit order books, one per instrument, price-time priority. Orders and price levels live in pools of
// typed arrays shared by all books (no object per order); each side of a book is a map price → level plus a
// heap of its levels (level-heap.ts). Prices are whole ticks and quantities whole lots (exact in float64).
// Costs: best order O(1) (amortised over lazily removed empty levels), add O(1) to an existing level or
// O(log n) for a new one, cancel O(1). Matching is driven by the engine, which decides each fill (margin, self-
// trade prevention) and calls `fill`: the book only keeps the queue.
import { assert } from "../kernel/errors.js";
import { type Captured, type LazyArray, lazyNumbers, materialize } from "../kernel/snapshot-lazy.js";
import { LevelHeap } from "./level-heap.js";

export const BUY = 0;
export const SELL = 1;
export type Side = typeof BUY | typeof SELL;

/** Explicit limits, each refused with `limit_exceeded` by the engine before anything changes. */
export const MAX_OPEN_ORDERS_PER_ACCOUNT = 1_000;
export const MAX_LEVELS_PER_SIDE = 10_000;
export const MAX_ORDERS = 1 << 22;

export interface OrderBooksSnapshot {
  readonly orders: {
    readonly account: number[];
    readonly book: number[];
    readonly side: number[];
    readonly price: number[];
    readonly lots: number[];
    readonly level: number[];
    readonly prev: number[];
    readonly next: number[];
    readonly flags: number[];
    readonly ids: string[];
    readonly free: number[];
    readonly used: number;
  };
  readonly levels: {
    readonly price: number[];
    readonly head: number[];
    readonly tail: number[];
    readonly lots: number[];
    readonly count: number[];
    readonly free: number[];
  };
  readonly sides: { levels: [number, number][]; heap: { ids: number[]; keys: number[] }; live: number }[];
  readonly open: number[];
}

interface BookSide {
  readonly levels: Map<number, number>;
  readonly heap: LevelHeap;
  /** Levels holding at least one order. */
  live: number;
}

export class OrderBooks {
  private readonly sides: BookSide[] = [];
  // Orders.
  private orderCap = 0;
  private orderAccount = new Int32Array(0);
  private orderBook = new Int32Array(0);
  private orderSide = new Uint8Array(0);
  private orderPrice = new Float64Array(0);
  private orderLots = new Float64Array(0);
  private orderLevel = new Int32Array(0);
  private orderPrev = new Int32Array(0);
  private orderNext = new Int32Array(0);
  private orderFlags = new Uint8Array(0);
  private readonly orderIds: string[] = [];
  private readonly byKey = new Map<string, number>();
  private freeOrders: number[] = [];
  private usedOrders = 0;
  // Levels.
  private levelCap = 0;
  private levelPrice = new Float64Array(0);
  private levelHead = new Int32Array(0);
  private levelTail = new Int32Array(0);
  private levelLots = new Float64Array(0);
  private levelCount = new Int32Array(0);
  private freeLevels: number[] = [];
  /** Level ids handed out so far (free ones are reused first). */
  private levelHigh = 0;
  // Per account.
  private openOf = new Int32Array(0);

  constructor(books: number) {
    for (let b = 0; b < books; b++)
      for (const sign of [1, -1] as const)
        this.sides.push({ levels: new Map(), heap: new LevelHeap(sign), live: 0 });
  }

  /** The order an account placed under `id` and still resting, or -1. */
  find(account: number, id: string): number {
    return this.byKey.get(key(account, id)) ?? -1;
  }

  openOrders(account: number): number {
    return account < this.openOf.length ? (this.openOf[account] as number) : 0;
  }

  /** Why a new resting order could not be added (a limit), or null. Changes nothing. */
  refusal(account: number, book: number, side: Side, price: number): string | null {
    if (this.openOrders(account) >= MAX_OPEN_ORDERS_PER_ACCOUNT)
      return `the account already has its maximum of ${MAX_OPEN_ORDERS_PER_ACCOUNT} open orders`;
    const s = this.side(book, side);
    if (!s.levels.has(price) && s.live >= MAX_LEVELS_PER_SIDE)
      return `the book side already holds its maximum of ${MAX_LEVELS_PER_SIDE} price levels`;
    if (this.usedOrders >= MAX_ORDERS) return `the engine holds its maximum of ${MAX_ORDERS} resting orders`;
    return null;
  }

  /** Rests an order at the back of its price level. The caller checked `refusal` and that the id is free. */
  add(
    account: number,
    id: string,
    book: number,
    side: Side,
    price: number,
    lots: number,
    flags: number,
  ): number {
    assert(
      lots > 0 && Number.isSafeInteger(lots) && Number.isSafeInteger(price) && price > 0,
      "book: bad order",
    );
    const o = this.allocOrder();
    this.orderAccount[o] = account;
    this.orderBook[o] = book;
    this.orderSide[o] = side;
    this.orderPrice[o] = price;
    this.orderLots[o] = lots;
    this.orderFlags[o] = flags;
    this.orderIds[o] = id;
    const s = this.side(book, side);
    let level = s.levels.get(price);
    if (level === undefined) {
      level = this.allocLevel(price);
      s.levels.set(price, level);
      s.heap.push(level, price);
    }
    if (this.levelCount[level] === 0) s.live++;
    const tail = this.levelTail[level] as number;
    this.orderLevel[o] = level;
    this.orderPrev[o] = tail;
    this.orderNext[o] = -1;
    if (tail >= 0) this.orderNext[tail] = o;
    else this.levelHead[level] = o;
    this.levelTail[level] = o;
    this.levelLots[level] = (this.levelLots[level] as number) + lots;
    this.levelCount[level] = (this.levelCount[level] as number) + 1;
    this.byKey.set(key(account, id), o);
    if (account >= this.openOf.length) this.growAccounts(account + 1);
    this.openOf[account] = (this.openOf[account] as number) + 1;
    return o;
  }

  /**
   * The books for a snapshot, as they are in memory: the order and level pools (slot numbers and free lists kept,
   * since an account's orders are cancelled in slot order), and each side's level map and heap.
   */
  snapshot(): OrderBooksSnapshot {
    return materialize<OrderBooksSnapshot>(this.capture());
  }

  /** The snapshot as it stands now, its per-order, per-level and per-account arrays copied and encoded later. */
  capture(): Captured<OrderBooksSnapshot> {
    const n = this.orderIds.length;
    const l = this.levelHigh;
    const copy = (values: Int32Array | Uint8Array | Float64Array, length: number) =>
      lazyNumbers(values.slice(0, length)) as LazyArray<number>;
    return {
      orders: {
        account: copy(this.orderAccount, n),
        book: copy(this.orderBook, n),
        side: copy(this.orderSide, n),
        price: copy(this.orderPrice, n),
        lots: copy(this.orderLots, n),
        level: copy(this.orderLevel, n),
        prev: copy(this.orderPrev, n),
        next: copy(this.orderNext, n),
        flags: copy(this.orderFlags, n),
        ids: this.orderIds.slice(),
        free: this.freeOrders.slice(),
        used: this.usedOrders,
      },
      levels: {
        price: copy(this.levelPrice, l),
        head: copy(this.levelHead, l),
        tail: copy(this.levelTail, l),
        lots: copy(this.levelLots, l),
        count: copy(this.levelCount, l),
        free: this.freeLevels.slice(),
      },
      sides: this.sides.map((s) => ({ levels: [...s.levels], heap: s.heap.snapshot(), live: s.live })),
      open: copy(this.openOf, this.openOf.length),
    };
  }

  /** Restores a snapshot into books just constructed for the same instruments. */
  restoreSnapshot(s: OrderBooksSnapshot): void {
    assert(this.orderIds.length === 0 && this.levelHigh === 0, "book: restoring into books in use");
    const o = s.orders;
    const n = o.ids.length;
    if (n > 0) this.growOrders(n);
    this.orderAccount.set(o.account);
    this.orderBook.set(o.book);
    this.orderSide.set(o.side);
    this.orderPrice.set(o.price);
    this.orderLots.set(o.lots);
    this.orderLevel.set(o.level);
    this.orderPrev.set(o.prev);
    this.orderNext.set(o.next);
    this.orderFlags.set(o.flags);
    for (let i = 0; i < n; i++) {
      const id = o.ids[i] as string;
      this.orderIds.push(id);
      if ((o.level[i] as number) >= 0) this.byKey.set(key(o.account[i] as number, id), i);
    }
    this.freeOrders = [...o.free];
    this.usedOrders = o.used;
    const l = s.levels.price.length;
    if (l > 0) this.growLevels(l);
    this.levelPrice.set(s.levels.price);
    this.levelHead.set(s.levels.head);
    this.levelTail.set(s.levels.tail);
    this.levelLots.set(s.levels.lots);
    this.levelCount.set(s.levels.count);
    this.freeLevels = [...s.levels.free];
    this.levelHigh = l;
    s.sides.forEach((side, i) => {
      const mine = this.sides[i] as BookSide;
      for (const [price, level] of side.levels) mine.levels.set(price, level);
      mine.heap.restoreSnapshot(side.heap);
      mine.live = side.live;
    });
    if (s.open.length > 0) this.growAccounts(s.open.length);
    this.openOf.set(s.open);
  }

  /** An account's resting orders, oldest slot first (a scan of the pool: for liquidation, which is rare). */
  ordersOf(account: number): number[] {
    const found: number[] = [];
    if (this.openOrders(account) === 0) return found;
    for (let o = 0; o < this.orderIds.length; o++)
      if ((this.orderLevel[o] as number) >= 0 && this.orderAccount[o] === account) found.push(o);
    return found;
  }

  /** The first order at the best price of a side, or -1. */
  best(book: number, side: Side): number {
    const s = this.side(book, side);
    for (;;) {
      const level = s.heap.top();
      if (level < 0) return -1;
      if ((this.levelCount[level] as number) > 0) return this.levelHead[level] as number;
      s.heap.pop();
      s.levels.delete(this.levelPrice[level] as number);
      this.freeLevels.push(level);
    }
  }

  /** The next order behind `order` in time priority at the same price, or -1. */
  behind(order: number): number {
    return this.orderNext[order] as number;
  }

  /** Takes `lots` off a resting order (a fill); removes it when nothing is left. */
  fill(order: number, lots: number): void {
    const left = (this.orderLots[order] as number) - lots;
    assert(lots > 0 && left >= 0, "book: fill larger than the order");
    if (left === 0) {
      this.remove(order);
      return;
    }
    this.orderLots[order] = left;
    const level = this.orderLevel[order] as number;
    this.levelLots[level] = (this.levelLots[level] as number) - lots;
  }

  /** Removes a resting order (cancel, or filled). */
  remove(order: number): void {
    const level = this.orderLevel[order] as number;
    assert(level >= 0, "book: removing an order that is not resting");
    const prev = this.orderPrev[order] as number;
    const next = this.orderNext[order] as number;
    if (prev >= 0) this.orderNext[prev] = next;
    else this.levelHead[level] = next;
    if (next >= 0) this.orderPrev[next] = prev;
    else this.levelTail[level] = prev;
    this.levelLots[level] = (this.levelLots[level] as number) - (this.orderLots[order] as number);
    const count = (this.levelCount[level] as number) - 1;
    this.levelCount[level] = count;
    const account = this.orderAccount[order] as number;
    this.openOf[account] = (this.openOf[account] as number) - 1;
    this.byKey.delete(key(account, this.orderIds[order] as string));
    const s = this.side(this.orderBook[order] as number, this.orderSide[order] as Side);
    if (count === 0) {
      s.live--;
      // Empty levels wait in the heap; when they outnumber the live ones, sweep them in one pass.
      if (s.heap.size > 2 * s.live + 64) this.compact(s);
    }
    this.orderLevel[order] = -1;
    this.orderLots[order] = 0;
    this.orderIds[order] = "";
    this.freeOrders.push(order);
    this.usedOrders--;
  }

  account(order: number): number {
    return this.orderAccount[order] as number;
  }

  book(order: number): number {
    return this.orderBook[order] as number;
  }

  orderSideOf(order: number): Side {
    return this.orderSide[order] as Side;
  }

  price(order: number): number {
    return this.orderPrice[order] as number;
  }

  lots(order: number): number {
    return this.orderLots[order] as number;
  }

  flags(order: number): number {
    return this.orderFlags[order] as number;
  }

  id(order: number): string {
    return this.orderIds[order] as string;
  }

  /** Price of the best level of a side in ticks, or NaN when the side is empty. */
  bestPrice(book: number, side: Side): number {
    const o = this.best(book, side);
    return o < 0 ? Number.NaN : (this.orderPrice[o] as number);
  }

  /**
   * Walks a side's levels best first, calling `visit(price, lots)` until it returns false: for depth (impact
   * prices). O(k log n) for k levels: it pops a copy of the heap's order, not the heap.
   */
  walk(book: number, side: Side, visit: (price: number, lots: number) => boolean): void {
    const s = this.side(book, side);
    const live: number[] = [];
    for (const level of s.heap.levels()) if ((this.levelCount[level] as number) > 0) live.push(level);
    live.sort(
      (a, b) => (side === BUY ? 1 : -1) * ((this.levelPrice[b] as number) - (this.levelPrice[a] as number)),
    );
    for (const level of live)
      if (!visit(this.levelPrice[level] as number, this.levelLots[level] as number)) return;
  }

  /**
   * Lots a side offers at prices no worse than `limit`, not counting `exceptAccount`'s own orders (self-trade
   * prevention would cancel them), up to `wanted`: for fill-or-kill.
   */
  available(book: number, side: Side, limit: number, exceptAccount: number, wanted: number): number {
    let found = 0;
    this.walk(book, side, (price) => {
      if (side === SELL ? price > limit : price < limit) return false;
      const level = this.side(book, side).levels.get(price) as number;
      for (let o = this.levelHead[level] as number; o >= 0 && found < wanted; o = this.orderNext[o] as number)
        if (this.orderAccount[o] !== exceptAccount) found += this.orderLots[o] as number;
      return found < wanted;
    });
    return found;
  }

  /** Canonical text for the state hash: every resting order, by book, side, price (best first), queue. */
  *canonicalLines(accountId: (account: number) => string): Generator<string> {
    for (let book = 0; book < this.sides.length / 2; book++)
      for (const side of [BUY, SELL] as const) {
        const levels: number[] = [];
        this.walk(book, side, (price) => {
          levels.push(this.side(book, side).levels.get(price) as number);
          return true;
        });
        for (const level of levels)
          for (let o = this.levelHead[level] as number; o >= 0; o = this.orderNext[o] as number)
            yield `order ${book} ${side} ${this.orderPrice[o]} ${accountId(this.orderAccount[o] as number)} ${this.orderIds[o]} ${this.orderLots[o]} ${this.orderFlags[o]}`;
      }
  }

  private side(book: number, side: Side): BookSide {
    return this.sides[2 * book + side] as BookSide;
  }

  private compact(s: BookSide): void {
    s.heap.compact((level) => {
      if ((this.levelCount[level] as number) > 0) return true;
      s.levels.delete(this.levelPrice[level] as number);
      this.freeLevels.push(level);
      return false;
    });
  }

  private allocOrder(): number {
    this.usedOrders++;
    const reused = this.freeOrders.pop();
    if (reused !== undefined) return reused;
    const o = this.orderIds.length;
    if (o === this.orderCap) this.growOrders(Math.max(1024, this.orderCap * 2));
    this.orderIds.push("");
    return o;
  }

  private allocLevel(price: number): number {
    let level = this.freeLevels.pop();
    if (level === undefined) {
      level = this.levelHigh++;
      if (level >= this.levelCap) this.growLevels(Math.max(256, this.levelCap * 2));
    }
    this.levelPrice[level] = price;
    this.levelHead[level] = -1;
    this.levelTail[level] = -1;
    this.levelLots[level] = 0;
    this.levelCount[level] = 0;
    return level;
  }

  private growOrders(capacity: number): void {
    this.orderAccount = grow(this.orderAccount, new Int32Array(capacity));
    this.orderBook = grow(this.orderBook, new Int32Array(capacity));
    this.orderSide = grow(this.orderSide, new Uint8Array(capacity));
    this.orderPrice = grow(this.orderPrice, new Float64Array(capacity));
    this.orderLots = grow(this.orderLots, new Float64Array(capacity));
    this.orderLevel = grow(this.orderLevel, new Int32Array(capacity));
    this.orderPrev = grow(this.orderPrev, new Int32Array(capacity));
    this.orderNext = grow(this.orderNext, new Int32Array(capacity));
    this.orderFlags = grow(this.orderFlags, new Uint8Array(capacity));
    this.orderCap = capacity;
  }

  private growLevels(capacity: number): void {
    this.levelPrice = grow(this.levelPrice, new Float64Array(capacity));
    this.levelHead = grow(this.levelHead, new Int32Array(capacity));
    this.levelTail = grow(this.levelTail, new Int32Array(capacity));
    this.levelLots = grow(this.levelLots, new Float64Array(capacity));
    this.levelCount = grow(this.levelCount, new Int32Array(capacity));
    this.levelCap = capacity;
  }

  private growAccounts(needed: number): void {
    this.openOf = grow(this.openOf, new Int32Array(Math.max(needed, this.openOf.length * 2, 1024)));
  }
}

function key(account: number, id: string): string {
  return `${account}:${id}`;
}

function grow<T extends Int32Array | Uint8Array | Float64Array>(old: T, next: T): T {
  next.set(old);
  return next;
}
