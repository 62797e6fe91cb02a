// Prometheus metrics of the service (text exposition format 0.0.4): commands, journal append latency, the time
// from a price command's arrival to its decisions (its events), index status, what each instrument may do (its
// breakers), the insurance fund, accounts by margin state. Histograms have fixed buckets: nothing grows.
import type { EngineObservation } from "../engine/engine.js";

const BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const STATUS = { ok: 0, degraded: 1, unavailable: 2 } as const;
const MODE = { normal: 0, reduce_only: 1, halted: 2 } as const;

/** A histogram of durations in seconds. */
export class Histogram {
  readonly counts = new Float64Array(BUCKETS.length + 1);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < BUCKETS.length && seconds > (BUCKETS[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += seconds;
    this.count++;
  }

  render(name: string, help: string): string {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    let cumulative = 0;
    BUCKETS.forEach((le, i) => {
      cumulative += this.counts[i] as number;
      lines.push(`${name}_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    );
    return lines.join("\n");
  }
}

export class Metrics {
  readonly journalAppend = new Histogram();
  readonly tickToDecision = new Histogram();
  requests = 0;
  slowClients = 0;

  render(o: EngineObservation, clients: number): string {
    const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    const gauge = (name: string, help: string, rows: readonly string[]) =>
      [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...rows].join("\n");
    const counter = (name: string, help: string, value: number) =>
      [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`].join("\n");
    return `${[
      counter("plimsoll_commands_total", "Commands journaled and applied.", o.commands),
      counter("plimsoll_commands_rejected_total", "Commands applied as rejections.", o.rejected),
      counter("plimsoll_events_total", "Events produced.", o.events),
      this.journalAppend.render("plimsoll_journal_append_seconds", "Journal batch append and sync."),
      this.tickToDecision.render(
        "plimsoll_tick_to_decision_seconds",
        "From a price command's arrival to its events (margin and liquidation decisions included).",
      ),
      gauge(
        "plimsoll_index_status",
        "Index status: 0 ok, 1 degraded, 2 unavailable.",
        o.indices.map((i) => `plimsoll_index_status{index="${label(i.id)}"} ${STATUS[i.status]}`),
      ),
      gauge(
        "plimsoll_instrument_mode",
        "What an instrument may do (manual halts and breakers): 0 normal, 1 reduce_only, 2 halted.",
        o.instruments.map((i) => `plimsoll_instrument_mode{symbol="${label(i.symbol)}"} ${MODE[i.mode]}`),
      ),
      gauge("plimsoll_insurance_fund_balance", "Insurance fund balance.", [
        `plimsoll_insurance_fund_balance{asset="${label(o.insuranceFund.asset)}"} ${o.insuranceFund.balance}`,
      ]),
      gauge(
        "plimsoll_accounts",
        "Accounts by margin state.",
        o.accounts.map((a) => `plimsoll_accounts{state="${a.state}"} ${a.count}`),
      ),
      gauge("plimsoll_stream_clients", "WebSocket clients connected.", [
        `plimsoll_stream_clients ${clients}`,
      ]),
      counter(
        "plimsoll_stream_slow_disconnects_total",
        "WebSocket clients disconnected for being slow.",
        this.slowClients,
      ),
      counter("plimsoll_http_command_requests_total", "POST /v1/commands requests.", this.requests),
    ].join("\n")}\n`;
  }
}
