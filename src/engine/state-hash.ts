// The state hash: SHA-256 over a canonical, line-oriented serialisation of the whole engine state.
// Two engines that applied the same commands hash equal; any difference in state changes the hash.
import { createHash } from "node:crypto";
import type { Ledger } from "../ledger/ledger.js";
import type { Positions } from "../margin/positions.js";
import type { OrderBooks } from "../orderbook/order-books.js";
import type { MarketPrices } from "../prices/market-prices.js";

export const STATE_FORMAT = "plimsoll-state/3";

export function stateHash(
  now: number,
  ledger: Ledger,
  prices: MarketPrices,
  positions: Positions,
  books: OrderBooks,
  jobs: readonly string[],
): string {
  const hash = createHash("sha256");
  hash.update(`${STATE_FORMAT}\nnow ${now}\n`);
  for (const line of ledger.canonicalLines()) hash.update(`${line}\n`);
  for (const line of prices.canonicalLines()) hash.update(`${line}\n`);
  for (const line of positions.canonicalLines((a) => ledger.accountId(a))) hash.update(`${line}\n`);
  for (const line of books.canonicalLines((a) => ledger.accountId(a))) hash.update(`${line}\n`);
  for (const line of jobs) hash.update(`${line}\n`);
  return hash.digest("hex");
}
