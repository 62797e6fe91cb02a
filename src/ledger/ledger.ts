// The exact ledger: balances per account and asset as 64-bit fixed-point integers at each asset's decimals.
// External flows are only deposit and withdraw; everything else moves value between accounts, so per asset
// Σ balances = Σ deposits − Σ withdrawals holds by construction and is asserted by `assertBalanced`.

import { formatDecimal } from "../kernel/decimal.js";
import { AssertionError, assert, type DomainError, domainError } from "../kernel/errors.js";
import { decodeBigints, int64Halves, int64Text } from "../kernel/snapshot-codec.js";
import { type Captured, lazyBigints, lazyPrefix, materialize } from "../kernel/snapshot-lazy.js";
import { sortSteps, TEXT_PIECE, type TextSteps } from "../kernel/steps.js";

export const SYSTEM_PREFIX = "sys:";
/** The insurance fund and the fee income are ledger accounts like any other, under reserved ids. */
export const INSURANCE_ACCOUNT = "sys:insurance";
export const FEE_ACCOUNT = "sys:fees";
/**
 * The counterpart of every realised PnL: a position's profit is paid from it and a loss paid into it, so its
 * balance is minus all PnL ever realised — which, as positions net to zero, is what the open positions' PnL
 * will settle. It may be negative; rounding residue (PnL is credited rounded down) stays here.
 */
export const CLEARING_ACCOUNT = "sys:clearing";
export const INSURANCE = 0;
export const FEES = 1;
export const CLEARING = 2;
export const SYSTEM_ACCOUNTS = 3;

/** Explicit limit on accounts: every structure indexed by account is bounded by it. */
export const MAX_ACCOUNTS = 1 << 22;
export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

export interface LedgerSnapshot {
  readonly accounts: readonly string[];
  readonly balances: readonly (readonly string[])[];
  readonly deposited: readonly string[];
  readonly withdrawn: readonly string[];
}

export interface LedgerAsset {
  readonly id: string;
  readonly decimals: number;
}

export class Ledger {
  readonly assets: readonly LedgerAsset[];
  private readonly assetIndex = new Map<string, number>();
  private readonly accountIndex = new Map<string, number>();
  /** Only ever appended to: a snapshot or a state hash in progress reads the prefix it was taken at. */
  private readonly accountIds: string[] = [];
  /** balances[asset][account], raw units at the asset's decimals. */
  private balances: BigInt64Array[];
  private capacity: number;
  /** A copy of the balances that no capture holds any more, for the next capture to copy into (`capture`). */
  private spare: BigInt64Array[] | null = null;
  /** Per asset, all value that ever entered and left the ledger. */
  private readonly deposited: bigint[];
  private readonly withdrawn: bigint[];
  private readonly maxAccounts: number;

  constructor(assets: readonly LedgerAsset[], maxAccounts = MAX_ACCOUNTS) {
    this.assets = assets;
    this.maxAccounts = maxAccounts;
    for (const [i, a] of assets.entries()) this.assetIndex.set(a.id, i);
    this.capacity = 1024;
    this.balances = assets.map(() => new BigInt64Array(this.capacity));
    this.deposited = assets.map(() => 0n);
    this.withdrawn = assets.map(() => 0n);
    this.open(INSURANCE_ACCOUNT);
    this.open(FEE_ACCOUNT);
    this.open(CLEARING_ACCOUNT);
  }

  /** Asset number, or -1. */
  asset(id: string): number {
    return this.assetIndex.get(id) ?? -1;
  }

  /** Account number, or -1 when the account has never received a deposit. */
  account(id: string): number {
    return this.accountIndex.get(id) ?? -1;
  }

  accountId(account: number): string {
    const id = this.accountIds[account];
    if (id === undefined) throw new AssertionError(`ledger: no account #${account}`);
    return id;
  }

  /** The insurance fund and fee accounts: value reaches them only through the engine's own rules. */
  isSystem(account: number): boolean {
    return account >= 0 && account < SYSTEM_ACCOUNTS;
  }

  get accountCount(): number {
    return this.accountIds.length;
  }

  balance(account: number, asset: number): bigint {
    return (this.balances[asset] as BigInt64Array)[account] as bigint;
  }

  totalDeposited(asset: number): bigint {
    return this.deposited[asset] as bigint;
  }

  totalWithdrawn(asset: number): bigint {
    return this.withdrawn[asset] as bigint;
  }

  /**
   * Checks that a deposit can be made. `account` is the account's number, or -1 for an id that has never
   * deposited (it will be opened). Changes nothing.
   */
  checkDeposit(account: number, accountId: string, asset: number, amount: bigint): DomainError | null {
    if (this.isSystem(account) || (account < 0 && accountId.startsWith(SYSTEM_PREFIX)))
      return reserved(accountId);
    if (account < 0 && this.accountIds.length >= this.maxAccounts)
      return domainError(
        "limit_exceeded",
        `account: the ledger holds its maximum of ${this.maxAccounts} accounts`,
      );
    const before = account < 0 ? 0n : this.balance(account, asset);
    if (before + amount > INT64_MAX) return overflow(this.assets[asset] as LedgerAsset);
    return null;
  }

  /** Credits an account from outside the ledger, opening it on its first deposit. Returns the account. */
  deposit(account: number, accountId: string, asset: number, amount: bigint): number {
    assert(amount > 0n, "ledger: deposit amount must be positive");
    if (account < 0) account = this.open(accountId);
    this.credit(account, asset, amount);
    return account;
  }

  /** Funds a system account from outside (the insurance fund's initial balance): it counts as a deposit. */
  depositSystem(account: number, asset: number, amount: bigint): void {
    assert(
      this.isSystem(account) && amount > 0n && amount <= INT64_MAX - this.balance(account, asset),
      "ledger: bad system deposit",
    );
    this.credit(account, asset, amount);
  }

  private credit(account: number, asset: number, amount: bigint): void {
    const balances = this.balances[asset] as BigInt64Array;
    const after = (balances[account] as bigint) + amount;
    assert(after <= INT64_MAX, "ledger: credit overflows 64 bits");
    balances[account] = after;
    this.deposited[asset] = (this.deposited[asset] as bigint) + amount;
  }

  /** Checks that `amount` can leave `account`: the balance covers it. Margin rules are the engine's. */
  checkWithdraw(account: number, asset: number, amount: bigint): DomainError | null {
    assert(amount > 0n, "ledger: withdraw amount must be positive");
    const balance = this.balance(account, asset);
    if (balance < amount) return insufficient(this.assets[asset] as LedgerAsset, balance, amount);
    return null;
  }

  withdraw(account: number, asset: number, amount: bigint): void {
    const balances = this.balances[asset] as BigInt64Array;
    const after = (balances[account] as bigint) - amount;
    assert(amount > 0n && after >= 0n, "ledger: withdraw applied without its check");
    balances[account] = after;
    this.withdrawn[asset] = (this.withdrawn[asset] as bigint) + amount;
  }

  /** Checks a transfer between two existing, distinct accounts; the payer's balance must cover it. */
  checkTransfer(from: number, to: number, asset: number, amount: bigint): DomainError | null {
    assert(from !== to && amount > 0n, "ledger: transfer needs two accounts and a positive amount");
    const fromBalance = this.balance(from, asset);
    if (fromBalance < amount) return insufficient(this.assets[asset] as LedgerAsset, fromBalance, amount);
    if (this.balance(to, asset) + amount > INT64_MAX) return overflow(this.assets[asset] as LedgerAsset);
    return null;
  }

  transfer(from: number, to: number, asset: number, amount: bigint): void {
    assert(
      from !== to && amount > 0n && this.balance(from, asset) >= amount,
      "ledger: transfer applied without its check",
    );
    this.move(from, to, asset, amount);
  }

  /**
   * Moves value between two accounts with no balance check: the primitive under fees, PnL, funding and
   * insurance. Only overflow is refused; callers decide whether a negative balance is allowed.
   */
  move(from: number, to: number, asset: number, amount: bigint): void {
    const balances = this.balances[asset] as BigInt64Array;
    const a = (balances[from] as bigint) - amount;
    const b = (balances[to] as bigint) + amount;
    assert(
      a >= INT64_MIN && a <= INT64_MAX && b >= INT64_MIN && b <= INT64_MAX,
      "ledger: move overflows 64 bits",
    );
    balances[from] = a;
    balances[to] = b;
  }

  /**
   * Σ balances = Σ deposits − Σ withdrawals, per asset, exactly. The insurance fund and fee income never go below
   * zero; the clearing account may (see CLEARING_ACCOUNT), and so may a trader's balance in a settlement asset
   * after a realised loss: a debt carried in full by the account's equity and backed by its other collateral.
   */
  assertBalanced(): void {
    const n = this.accountIds.length;
    for (let asset = 0; asset < this.assets.length; asset++) {
      const balances = this.balances[asset] as BigInt64Array;
      let sum = 0n;
      for (let account = 0; account < n; account++) {
        const b = balances[account] as bigint;
        if (b < 0n && account < CLEARING)
          throw new AssertionError(
            `ledger: ${this.accountIds[account]} holds a negative ${this.assets[asset]?.id} balance`,
          );
        sum += b;
      }
      const expected = (this.deposited[asset] as bigint) - (this.withdrawn[asset] as bigint);
      assert(
        sum === expected,
        `ledger out of balance in ${this.assets[asset]?.id}: Σ balances ${sum} ≠ Σ deposits − Σ withdrawals ${expected}`,
      );
    }
  }

  /** The ledger's state for a snapshot: accounts in number order (numbers are kept), balances, flows. */
  snapshot(): LedgerSnapshot {
    const capture = this.capture();
    const snapshot = materialize<LedgerSnapshot>(capture.snapshot);
    capture.release();
    return snapshot;
  }

  /**
   * The ledger as it stands now, its balances copied once for both: the snapshot (encoded later, snapshot-lazy.ts)
   * and the state hash's text, computed later in steps — accounts sorted by id, raw integers. `release` when done
   * with both: the copy's memory then serves the next capture (see `spare`).
   */
  capture(): { snapshot: Captured<LedgerSnapshot>; text: TextSteps; release: () => void } {
    const n = this.accountIds.length;
    const copies = this.copyBalances(n);
    const balances = copies.map((c) => c.subarray(0, n));
    let head = `assets ${this.assets.map((a) => `${a.id}/${a.decimals}`).join(" ")}\n`;
    for (let asset = 0; asset < this.assets.length; asset++)
      head += `flow ${this.assets[asset]?.id} ${this.deposited[asset]} ${this.withdrawn[asset]}\n`;
    let released = false;
    return {
      snapshot: {
        accounts: lazyPrefix(this.accountIds, SYSTEM_ACCOUNTS, n),
        balances: balances.map(lazyBigints),
        deposited: this.deposited.map(String),
        withdrawn: this.withdrawn.map(String),
      },
      text: accountsText(head, this.accountIds, balances, n),
      release: () => {
        if (!released && this.spare === null) this.spare = copies;
        released = true;
      },
    };
  }

  /**
   * Balances [0, n) of each asset copied into the spare if it is large enough (and no capture holds it any more),
   * else into fresh arrays of the ledger's capacity: the first touch of fresh memory is slow where page faults are
   * (8 MB, a million accounts, took 25-30 ms on a microVM, against 1 ms into memory already touched), and the copy
   * is made at a command boundary.
   */
  private copyBalances(n: number): BigInt64Array[] {
    const spare = this.spare;
    this.spare = null;
    return this.balances.map((b, asset) => {
      const into = spare?.[asset];
      const copy = into !== undefined && into.length >= n ? into : new BigInt64Array(this.capacity);
      copy.set(b.subarray(0, n));
      return copy;
    });
  }

  /** Restores a snapshot into a ledger just constructed with the same assets. */
  restoreSnapshot(s: LedgerSnapshot): void {
    assert(this.accountIds.length === SYSTEM_ACCOUNTS, "ledger: restoring into a ledger in use");
    for (const id of s.accounts) this.open(id);
    s.balances.forEach((values, asset) => {
      const balances = this.balances[asset] as BigInt64Array;
      decodeBigints(values).forEach((b, account) => {
        balances[account] = b;
      });
    });
    s.deposited.forEach((v, asset) => {
      this.deposited[asset] = BigInt(v);
    });
    s.withdrawn.forEach((v, asset) => {
      this.withdrawn[asset] = BigInt(v);
    });
  }

  private open(id: string): number {
    const account = this.accountIds.length;
    if (account === this.capacity) this.grow();
    this.accountIds.push(id);
    this.accountIndex.set(id, account);
    return account;
  }

  private grow(): void {
    const capacity = Math.min(this.capacity * 2, this.maxAccounts);
    this.balances = this.balances.map((old) => {
      const next = new BigInt64Array(capacity);
      next.set(old);
      return next;
    });
    this.capacity = capacity;
  }
}

/**
 * `head`, then a line per account [0, n) in id order (code units, so the hash does not depend on locale): `ids`
 * is the ledger's own append-only list, `balances` copies.
 */
function* accountsText(
  head: string,
  ids: readonly string[],
  balances: readonly BigInt64Array[],
  n: number,
): TextSteps {
  const order = yield* sortSteps(ids, n);
  const halves = balances.map(int64Halves);
  let text = head;
  for (const account of order) {
    text += `account ${ids[account]}`;
    for (let asset = 0; asset < balances.length; asset++)
      text += ` ${int64Text(balances[asset] as BigInt64Array, halves[asset] as Int32Array | null, account)}`;
    text += "\n";
    if (text.length >= TEXT_PIECE) {
      yield text;
      text = "";
    }
  }
  yield text;
}

function insufficient(asset: LedgerAsset, balance: bigint, amount: bigint): DomainError {
  return domainError(
    "insufficient_balance",
    `amount: ${fmt(amount, asset)} ${asset.id} exceeds the balance of ${fmt(balance, asset)} ${asset.id}`,
  );
}

export function reserved(accountId: string): DomainError {
  return domainError(
    "reserved_account",
    `account: "${accountId}" is reserved (ids starting "${SYSTEM_PREFIX}" are system accounts, moved only by the engine's rules)`,
  );
}

function overflow(asset: LedgerAsset): DomainError {
  return domainError("overflow", `amount: the ${asset.id} balance would exceed the 64-bit ledger limit`);
}

function fmt(raw: bigint, asset: LedgerAsset): string {
  return formatDecimal(raw, asset.decimals);
}
