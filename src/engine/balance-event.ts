// The contract's `balance` event built from a raw balance change: shared by the engine's object channel and by
// consumers of the raw channel (the batch runner's writer thread), so both produce the same bytes.
import { formatDecimal } from "../kernel/decimal.js";
import { BALANCE_REASONS, type BalanceEvent, type BalanceReason } from "./events.js";

/** A balance change as the contract's `balance` event (also used by consumers of the raw form). */
export function balanceEventObject(
  seq: number,
  ts: number,
  cause: number,
  ledger: AccountNames,
  account: number,
  asset: number,
  delta: bigint,
  balance: bigint,
  reason: number,
  counterparty: number,
): BalanceEvent {
  const { id, decimals } = ledger.assets[asset] as { id: string; decimals: number };
  const accountId = ledger.accountId(account);
  const deltaText = formatDecimal(delta, decimals);
  const balanceText = formatDecimal(balance, decimals);
  const why = BALANCE_REASONS[reason] as BalanceReason;
  // Two literal shapes rather than a spread: this is the hot path of every ledger command.
  if (counterparty < 0)
    return {
      seq,
      ts,
      type: "balance",
      cause,
      account: accountId,
      asset: id,
      delta: deltaText,
      balance: balanceText,
      reason: why,
    };
  return {
    seq,
    ts,
    type: "balance",
    cause,
    account: accountId,
    asset: id,
    delta: deltaText,
    balance: balanceText,
    reason: why,
    counterparty: ledger.accountId(counterparty),
  };
}

/** What naming a balance change needs: account ids by number, assets with their decimals. */
export interface AccountNames {
  accountId(account: number): string;
  readonly assets: readonly { readonly id: string; readonly decimals: number }[];
}
