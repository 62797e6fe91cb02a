// Positions per account and instrument: signed size in lots and the exact entry value, plus the account's
// margin mode for the instrument. Entry value, not entry price, is what is kept: an average of fills is a ratio
// that no finite decimal holds, while the sum of fills is exact (linear) or exact to 18 decimals (inverse).
//   linear:  exposure = lots × lotSize × contractSize (base units);  entryValue = Σ exposure_i × price_i  (quote)
//   inverse: exposure = lots × lotSize × contractSize (quote units); entryValue = Σ exposure_i / price_i  (base)
import { AssertionError, assert } from "../kernel/errors.js";
import {
  type Captured,
  type LazyArray,
  lazyBigints,
  lazyNumbers,
  materialize,
} from "../kernel/snapshot-lazy.js";
import { sortSteps, TEXT_PIECE, type TextSteps } from "../kernel/steps.js";
import { wadDiv, wadMul } from "../kernel/wad.js";

/** Explicit limits: slots per account (positions and mode settings) and instruments an account key can name. */
export const MAX_POSITIONS_PER_ACCOUNT = 64;
export const MAX_INSTRUMENTS = 4096;
/** Largest |lots| of one position: lot counts stay exact in a float64 and products stay far from overflow. */
export const MAX_LOTS = 2 ** 50;

export interface PositionsSnapshot {
  readonly account: readonly number[];
  readonly instrument: readonly number[];
  readonly lots: readonly number[];
  readonly entryValue: readonly string[];
  readonly isolated: readonly number[];
  readonly leverage: readonly string[];
  readonly openLots: readonly number[];
  readonly openValue: readonly string[];
  readonly portfolio: readonly number[];
}

/** What one fill did to one side's position, for events and settlement. */
export interface FillEffect {
  /** Realised PnL in the settlement asset, wad, exact (rounded at the asset's decimals by the caller). */
  readonly realized: bigint;
  readonly lotsBefore: number;
  readonly lotsAfter: number;
}

export class Positions {
  private capacity = 0;
  private count = 0;
  private accountOf = new Int32Array(0);
  private instrumentOf = new Int32Array(0);
  /** Signed lots: + long, − short. Integers, exact in float64 below MAX_LOTS. */
  private lotsOf = new Float64Array(0);
  private isolatedOf = new Uint8Array(0);
  /** Float copies of entry value and leverage for the risk screen (within one rounding of the exact values). */
  private entryFloatOf = new Float64Array(0);
  private leverageFloatOf = new Float64Array(0);
  /** Resting orders per side (0 buy, 1 sell): lots, and value as a fill would add it to entry value (wad). */
  private openLotsOf = new Float64Array(0);
  private readonly openValueOf: bigint[] = [];
  private openValueFloatOf = new Float64Array(0);
  /** Next slot of the same account, or -1. */
  private nextOf = new Int32Array(0);
  private readonly entryValueOf: bigint[] = [];
  /** Leverage chosen with position.mode (wad), or 0n for the instrument's own IMR. */
  private readonly leverageOf: bigint[] = [];
  private readonly slotByKey = new Map<number, number>();
  private headOf = new Int32Array(0);
  private slotsOf = new Uint8Array(0);
  /** Accounts margined by portfolio scenarios (`margin.mode`), 1; standard rules, 0. */
  private portfolioOf = new Uint8Array(0);

  /** The slot of (account, instrument), or -1. */
  slot(account: number, instrument: number): number {
    return this.slotByKey.get(account * MAX_INSTRUMENTS + instrument) ?? -1;
  }

  /** Whether (account, instrument) has a slot or one can be opened for it. */
  canOpen(account: number, instrument: number): boolean {
    return this.slot(account, instrument) >= 0 || this.slotCount(account) < MAX_POSITIONS_PER_ACCOUNT;
  }

  /** The slot of (account, instrument), opened flat when there is none. The caller checked `canOpen`. */
  open(account: number, instrument: number): number {
    const existing = this.slot(account, instrument);
    if (existing >= 0) return existing;
    assert(instrument >= 0 && instrument < MAX_INSTRUMENTS, "positions: instrument out of range");
    assert(this.slotCount(account) < MAX_POSITIONS_PER_ACCOUNT, "positions: slot limit passed unchecked");
    if (this.count === this.capacity) this.grow(Math.max(1024, this.capacity * 2));
    if (account >= this.headOf.length) this.growAccounts(account + 1);
    const slot = this.count++;
    this.accountOf[slot] = account;
    this.instrumentOf[slot] = instrument;
    this.lotsOf[slot] = 0;
    this.isolatedOf[slot] = 0;
    this.entryValueOf[slot] = 0n;
    this.leverageOf[slot] = 0n;
    this.entryFloatOf[slot] = 0;
    this.leverageFloatOf[slot] = 0;
    this.openLotsOf[2 * slot] = 0;
    this.openLotsOf[2 * slot + 1] = 0;
    this.openValueOf[2 * slot] = 0n;
    this.openValueOf[2 * slot + 1] = 0n;
    this.openValueFloatOf[2 * slot] = 0;
    this.openValueFloatOf[2 * slot + 1] = 0;
    // Slots of an account are listed in the order they were opened, which the account view follows.
    this.nextOf[slot] = -1;
    let tail = this.headOf[account] as number;
    if (tail < 0) this.headOf[account] = slot;
    else {
      while ((this.nextOf[tail] as number) >= 0) tail = this.nextOf[tail] as number;
      this.nextOf[tail] = slot;
    }
    this.slotsOf[account] = (this.slotsOf[account] as number) + 1;
    this.slotByKey.set(account * MAX_INSTRUMENTS + instrument, slot);
    return slot;
  }

  /** Slots ever opened (ids 0 … total − 1): scans by instrument go over these. */
  get total(): number {
    return this.count;
  }

  slotCount(account: number): number {
    return account < this.slotsOf.length ? (this.slotsOf[account] as number) : 0;
  }

  /** First slot of an account, or -1; then `next(slot)`. */
  first(account: number): number {
    return account < this.headOf.length ? (this.headOf[account] as number) : -1;
  }

  next(slot: number): number {
    return this.nextOf[slot] as number;
  }

  account(slot: number): number {
    return this.accountOf[slot] as number;
  }

  instrument(slot: number): number {
    return this.instrumentOf[slot] as number;
  }

  lots(slot: number): number {
    return this.lotsOf[slot] as number;
  }

  entryValue(slot: number): bigint {
    return this.entryValueOf[slot] as bigint;
  }

  entryValueFloat(slot: number): number {
    return this.entryFloatOf[slot] as number;
  }

  leverageFloat(slot: number): number {
    return this.leverageFloatOf[slot] as number;
  }

  isolated(slot: number): boolean {
    return this.isolatedOf[slot] === 1;
  }

  leverage(slot: number): bigint {
    return this.leverageOf[slot] as bigint;
  }

  /** Lots resting in orders on one side (0 buy, 1 sell). */
  openLots(slot: number, side: number): number {
    return this.openLotsOf[2 * slot + side] as number;
  }

  /** What those orders would add to entry value if all filled at their limits (wad, unsigned). */
  openValue(slot: number, side: number): bigint {
    return this.openValueOf[2 * slot + side] as bigint;
  }

  openValueFloat(slot: number, side: number): number {
    return this.openValueFloatOf[2 * slot + side] as number;
  }

  /** Records resting lots at a price (wad); `sign` −1 removes them (cancel or fill). Exact both ways. */
  changeOpen(
    slot: number,
    side: number,
    lots: number,
    price: bigint,
    unit: bigint,
    inverse: boolean,
    sign: 1 | -1,
  ): void {
    const i = 2 * slot + side;
    const value = fillValue(BigInt(lots) * unit, price, inverse);
    this.openLotsOf[i] = (this.openLotsOf[i] as number) + sign * lots;
    this.openValueOf[i] = (this.openValueOf[i] as bigint) + BigInt(sign) * value;
    this.openValueFloatOf[i] = Number(this.openValueOf[i]) / 1e18;
    assert(
      (this.openLotsOf[i] as number) >= 0 && (this.openValueOf[i] as bigint) >= 0n,
      "positions: open orders below zero",
    );
  }

  /** An account has an open position, or resting orders, in some instrument: its margin is in use. */
  hasOpenPosition(account: number): boolean {
    for (let s = this.first(account); s >= 0; s = this.next(s))
      if (this.lotsOf[s] !== 0 || this.openLotsOf[2 * s] !== 0 || this.openLotsOf[2 * s + 1] !== 0)
        return true;
    return false;
  }

  /** Whether the account is margined by portfolio scenarios. */
  portfolio(account: number): boolean {
    return account < this.portfolioOf.length && this.portfolioOf[account] === 1;
  }

  setPortfolio(account: number, on: boolean): void {
    if (account >= this.headOf.length) this.growAccounts(account + 1);
    this.portfolioOf[account] = on ? 1 : 0;
  }

  setMode(slot: number, isolated: boolean, leverage: bigint): void {
    assert(leverage >= 0n, "positions: negative leverage");
    this.isolatedOf[slot] = isolated ? 1 : 0;
    this.leverageOf[slot] = leverage;
    this.leverageFloatOf[slot] = Number(leverage) / 1e18;
  }

  /**
   * Applies a fill of `lots` (signed: + bought) at `price` (wad) to a slot. `unit` is lotSize × contractSize
   * (wad). Returns the realised PnL of the part that reduced the position; the part beyond a flip opens at the
   * fill price. Entry value is released pro rata to the lots closed; what is released plus what remains is the
   * entry value before, exactly, so over a position's life nothing is created by the rounding of the split.
   */
  applyFill(slot: number, lots: number, price: bigint, unit: bigint, inverse: boolean): FillEffect {
    // A price of 0 only closes a linear position: an option expiring worthless.
    assert(
      Number.isSafeInteger(lots) && lots !== 0 && unit > 0n && (price > 0n || (price === 0n && !inverse)),
      "positions: bad fill",
    );
    const before = this.lotsOf[slot] as number;
    const after = before + lots;
    if (Math.abs(after) > MAX_LOTS) throw new AssertionError("positions: size limit passed unchecked");
    let entry = this.entryValueOf[slot] as bigint;
    let realized = 0n;
    if (before === 0 || Math.sign(before) === Math.sign(lots)) {
      entry += fillValue(BigInt(lots) * unit, price, inverse);
    } else {
      const closing = Math.min(Math.abs(lots), Math.abs(before)); // lots of the position closed
      const released =
        closing === Math.abs(before) ? entry : (entry * BigInt(closing)) / BigInt(Math.abs(before));
      const closedExposure = BigInt(Math.sign(before) * closing) * unit; // signed like the position
      // linear: exit value − entry value; inverse: entry value − exit value (both in the settlement asset)
      realized = inverse
        ? released - wadDiv(closedExposure, price, "ceil")
        : wadMul(closedExposure, price, "floor") - released;
      entry -= released;
      const opening = Math.abs(lots) - closing;
      assert(opening === 0 || price > 0n, "positions: a position opened at price 0");
      if (opening > 0) {
        assert(entry === 0n, "positions: a flip leaves entry value behind");
        entry = fillValue(BigInt(Math.sign(lots) * opening) * unit, price, inverse);
      }
    }
    this.lotsOf[slot] = after;
    this.entryValueOf[slot] = after === 0 ? 0n : entry;
    this.entryFloatOf[slot] = after === 0 ? 0 : Number(entry) / 1e18;
    assert(after !== 0 || entry === 0n, "positions: a closed position keeps entry value");
    return { realized, lotsBefore: before, lotsAfter: after };
  }

  /** Puts a slot's size and entry value back as they were (the undo of an all-or-nothing step). */
  restore(slot: number, lots: number, entryValue: bigint): void {
    this.lotsOf[slot] = lots;
    this.entryValueOf[slot] = entryValue;
    this.entryFloatOf[slot] = Number(entryValue) / 1e18;
  }

  /** The state for a snapshot: every slot in number order (numbers are kept), and the accounts in portfolio mode. */
  snapshot(): PositionsSnapshot {
    return materialize<PositionsSnapshot>(this.capture().snapshot);
  }

  /**
   * The positions as they stand now, their slots copied once for both: the snapshot (encoded later,
   * snapshot-lazy.ts) and the state hash's text (computed later in steps, naming accounts by `accountId`).
   */
  capture(): {
    snapshot: Captured<PositionsSnapshot>;
    text: (accountId: (account: number) => string) => TextSteps;
  } {
    const n = this.count;
    const slots: SlotCopies = {
      account: this.accountOf.slice(0, n),
      instrument: this.instrumentOf.slice(0, n),
      lots: this.lotsOf.slice(0, n),
      entryValue: this.entryValueOf.slice(0, n),
      isolated: this.isolatedOf.slice(0, n),
      leverage: this.leverageOf.slice(0, n),
    };
    const portfolio: number[] = [];
    for (let a = 0; a < this.portfolioOf.length; a++) if (this.portfolioOf[a] === 1) portfolio.push(a);
    return {
      snapshot: {
        account: lazyNumbers(slots.account) as LazyArray<number>,
        instrument: lazyNumbers(slots.instrument) as LazyArray<number>,
        lots: lazyNumbers(slots.lots) as LazyArray<number>,
        entryValue: lazyBigints(slots.entryValue),
        isolated: lazyNumbers(slots.isolated) as LazyArray<number>,
        leverage: lazyBigints(slots.leverage),
        openLots: lazyNumbers(this.openLotsOf.slice(0, 2 * n)) as LazyArray<number>,
        openValue: lazyBigints(this.openValueOf.slice(0, 2 * n)),
        portfolio,
      },
      text: (accountId) => positionsText(slots, portfolio, accountId),
    };
  }

  /** Restores a snapshot into empty positions: slots reopened in order rebuild every list and index as they were. */
  restoreSnapshot(s: PositionsSnapshot): void {
    assert(this.count === 0, "positions: restoring into positions in use");
    for (let slot = 0; slot < s.account.length; slot++) {
      const opened = this.open(s.account[slot] as number, s.instrument[slot] as number);
      assert(opened === slot, "positions: a slot reopened under another number");
      const entry = BigInt(s.entryValue[slot] as string);
      this.restore(slot, s.lots[slot] as number, entry);
      this.setMode(slot, s.isolated[slot] === 1, BigInt(s.leverage[slot] as string));
      for (const side of [0, 1]) {
        const i = 2 * slot + side;
        this.openLotsOf[i] = s.openLots[i] as number;
        this.openValueOf[i] = BigInt(s.openValue[i] as string);
        this.openValueFloatOf[i] = Number(this.openValueOf[i]) / 1e18;
      }
    }
    for (const account of s.portfolio) this.setPortfolio(account, true);
  }

  private grow(capacity: number): void {
    const grown = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.accountOf = grown(this.accountOf, (n) => new Int32Array(n));
    this.instrumentOf = grown(this.instrumentOf, (n) => new Int32Array(n));
    this.lotsOf = grown(this.lotsOf, (n) => new Float64Array(n));
    this.isolatedOf = grown(this.isolatedOf, (n) => new Uint8Array(n));
    this.entryFloatOf = grown(this.entryFloatOf, (n) => new Float64Array(n));
    this.leverageFloatOf = grown(this.leverageFloatOf, (n) => new Float64Array(n));
    const open = new Float64Array(2 * capacity);
    open.set(this.openLotsOf);
    this.openLotsOf = open;
    const openValue = new Float64Array(2 * capacity);
    openValue.set(this.openValueFloatOf);
    this.openValueFloatOf = openValue;
    this.nextOf = grown(this.nextOf, (n) => new Int32Array(n));
    this.capacity = capacity;
  }

  private growAccounts(needed: number): void {
    const size = Math.max(needed, this.headOf.length * 2, 1024);
    const head = new Int32Array(size).fill(-1);
    head.set(this.headOf);
    const slots = new Uint8Array(size);
    slots.set(this.slotsOf);
    const portfolio = new Uint8Array(size);
    portfolio.set(this.portfolioOf);
    this.headOf = head;
    this.slotsOf = slots;
    this.portfolioOf = portfolio;
  }
}

/**
 * The entry value a fill adds, rounded against the holder: a linear position's cost up (ceil), an inverse
 * position's base value down (floor) — both make the position's PnL the smaller.
 */
function fillValue(exposure: bigint, price: bigint, inverse: boolean): bigint {
  return inverse ? wadDiv(exposure, price, "floor") : wadMul(exposure, price, "ceil");
}

/** Copies of the slots' fields a state hash reads. */
interface SlotCopies {
  readonly account: Int32Array;
  readonly instrument: Int32Array;
  readonly lots: Float64Array;
  readonly entryValue: readonly bigint[];
  readonly isolated: Uint8Array;
  readonly leverage: readonly bigint[];
}

/** Slots scanned between pauses. */
const SCAN_STEP = 50_000;

/**
 * Canonical text for the state hash: non-default slots in account, then instrument, order; then the accounts in
 * portfolio mode, by id.
 */
function* positionsText(
  p: SlotCopies,
  portfolio: readonly number[],
  accountId: (account: number) => string,
): TextSteps {
  const slots: number[] = [];
  const keys: string[] = [];
  for (let s = 0; s < p.account.length; s++) {
    if (p.lots[s] !== 0 || p.isolated[s] !== 0 || p.leverage[s] !== 0n) {
      slots.push(s);
      keys.push(`${accountId(p.account[s] as number)}\u0000${p.instrument[s]}`);
    }
    if (s % SCAN_STEP === SCAN_STEP - 1) yield;
  }
  let text = "";
  for (const i of yield* sortSteps(keys, keys.length)) {
    const s = slots[i] as number;
    text += `position ${accountId(p.account[s] as number)} ${p.instrument[s]} ${p.lots[s]} ${p.entryValue[s]} ${p.isolated[s]} ${p.leverage[s]}\n`;
    if (text.length >= TEXT_PIECE) {
      yield text;
      text = "";
    }
  }
  const ids = portfolio.map(accountId);
  for (const i of yield* sortSteps(ids, ids.length)) {
    text += `margin.mode ${ids[i]} portfolio\n`;
    if (text.length >= TEXT_PIECE) {
      yield text;
      text = "";
    }
  }
  yield text;
}
