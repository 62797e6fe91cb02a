// Order book place/cancel throughput with 10,000 resting orders: the book's own operations (src/orderbook),
// without the engine's validation and margin (measured separately by the pre-trade bench).
// Target: ≥ 1,000,000 place/cancel operations per second on one core.
import { BUY, OrderBooks, SELL } from "../dist/orderbook/order-books.js";
import { machine, median, prng } from "./workload.mjs";

const RESTING = 10_000;
const OPS = 2_000_000;
const RUNS = 5;
const ACCOUNTS = 1_000;

const rand = prng(11);
// Prices within ±200 ticks of 100,000 ticks, both sides; ids reused from a fixed pool of strings.
const ids = Array.from({ length: RESTING * 2 }, (_, i) => `o${i}`);
const plan = new Int32Array(OPS);
for (let i = 0; i < OPS; i++) plan[i] = Math.floor(rand() * 1_000_000);

const rates = [];
for (let run = 0; run < RUNS + 1; run++) {
  const books = new OrderBooks(1);
  const live = new Int32Array(RESTING * 2).fill(-1);
  const liveList = [];
  let next = 0;
  const place = (r) => {
    const side = r % 2 === 0 ? BUY : SELL;
    const offset = 1 + (r % 200);
    const price = side === BUY ? 100_000 - offset : 100_000 + offset;
    while (live[next % live.length] !== -1) next++;
    const slot = next % live.length;
    const account = r % ACCOUNTS;
    live[slot] = books.add(account, ids[slot], 0, side, price, 1 + (r % 10), 0);
    liveList.push(slot);
    next++;
  };
  for (let i = 0; i < RESTING; i++) place(plan[i]);
  const start = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) {
    const r = plan[i];
    if (i % 2 === 0) {
      // cancel a random resting order
      const k = r % liveList.length;
      const slot = liveList[k];
      liveList[k] = liveList[liveList.length - 1];
      liveList.pop();
      books.remove(live[slot]);
      live[slot] = -1;
    } else place(r);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run > 0) rates.push(OPS / seconds);
}
const fmt = (x) => Math.round(x).toLocaleString("en");
console.log(`orderbook  ${machine()}`);
console.log(
  `orderbook  ${RESTING.toLocaleString("en")} resting orders, ${OPS.toLocaleString("en")} place/cancel operations: median ${fmt(median(rates))} ops/s over ${RUNS} runs (min ${fmt(Math.min(...rates))}, max ${fmt(Math.max(...rates))}); target ≥ 1,000,000`,
);
