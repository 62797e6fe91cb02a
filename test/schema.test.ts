// The documented JSON Schemas (docs/schema) describe what the engine really accepts and emits.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { Engine } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";

const ROOT = join(import.meta.dirname, "..");
const read = (p: string) => JSON.parse(readFileSync(join(ROOT, p), "utf8"));

describe("docs/schema", () => {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  const validateCommand = ajv.compile(read("docs/schema/commands.schema.json"));
  const validateEvent = ajv.compile(read("docs/schema/events.schema.json"));

  it("every event of the quickstart matches events.schema.json; every accepted command matches commands.schema.json", () => {
    const loaded = loadConfig(read("examples/quickstart/config.json"));
    if (!loaded.ok) throw new Error("quickstart config");
    const engine = new Engine(loaded.config);
    const lines = readFileSync(join(ROOT, "examples/quickstart/commands.jsonl"), "utf8").trim().split("\n");
    const events: EngineEvent[] = [];
    lines.forEach((line, i) => {
      const command = JSON.parse(line);
      const produced = engine.apply(command, i + 1);
      events.push(...produced);
      if (!produced.some((e) => e.type === "rejected"))
        expect(validateCommand(command), `line ${i + 1}: ${ajv.errorsText(validateCommand.errors)}`).toBe(
          true,
        );
    });
    engine.end(events);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set([
        "balance",
        "rejected",
        "account",
        "index",
        "mark",
        "position.mode",
        "trade",
        "position",
        "order.accepted",
        "order.rejected",
        "order.cancelled",
        "margin",
        "liquidation",
        "insurance",
        "end",
      ]),
    );
    for (const e of events)
      expect(validateEvent(e), `${JSON.stringify(e)}: ${ajv.errorsText(validateEvent.errors)}`).toBe(true);
  });

  it("the liquidation and options scenarios' and a smile's events match events.schema.json, their commands commands.schema.json", () => {
    const checkAll = (configPath: string, commands: Record<string, unknown>[]) => {
      const loaded = loadConfig(read(configPath));
      if (!loaded.ok) throw new Error(configPath);
      const engine = new Engine(loaded.config);
      const events: EngineEvent[] = [];
      commands.forEach((command, i) => {
        const produced = engine.apply(command, i + 1);
        events.push(...produced);
        if (!produced.some((e) => e.type === "rejected"))
          expect(
            validateCommand(command),
            `${JSON.stringify(command)}: ${ajv.errorsText(validateCommand.errors)}`,
          ).toBe(true);
      });
      for (const e of events)
        expect(validateEvent(e), `${JSON.stringify(e)}: ${ajv.errorsText(validateEvent.errors)}`).toBe(true);
      return events;
    };
    const types = new Set<string>();
    for (const name of ["bitmex-adl", "insurance-takeover", "bad-prices", "socialized-loss"]) {
      const lines = readFileSync(join(ROOT, `examples/liquidation/${name}.jsonl`), "utf8")
        .trim()
        .split("\n");
      for (const e of checkAll(
        "examples/liquidation/liquidation.config.json",
        lines.map((l) => JSON.parse(l)),
      ))
        types.add(e.type);
    }
    expect([...types]).toEqual(
      expect.arrayContaining([
        "adl",
        "liquidation",
        "insurance",
        "socialized_loss",
        "margin.override",
        "margin",
      ]),
    );
    const optionTypes = new Set<string>();
    for (const name of ["short-call-rally", "expiry", "surface-breaker"]) {
      const lines = readFileSync(join(ROOT, `examples/options/${name}.jsonl`), "utf8")
        .trim()
        .split("\n");
      for (const e of checkAll(
        "examples/options/options.config.json",
        lines.map((l) => JSON.parse(l)),
      ))
        optionTypes.add(e.type);
    }
    expect([...optionTypes]).toEqual(
      expect.arrayContaining([
        "surface",
        "breaker",
        "settlement",
        "liquidation",
        "insurance",
        "margin",
        "account",
      ]),
    );
    const ts = 1_700_000_000_000;
    const quotes = [8_000, 8_500, 9_000, 9_500, 10_000, 11_000].map((strike, i) => ({
      strike: String(strike),
      iv: ["0.9", "0.82", "0.78", "0.79", "0.83", "0.9"][i] as string,
    }));
    const smiled = checkAll("examples/liquidation/liquidation.config.json", [
      { type: "smile", ts, index: "XBT-USD", expiry: ts + 30 * 86_400_000, forward: "9000", quotes },
      {
        type: "smile",
        ts,
        index: "XBT-USD",
        expiry: ts + 60 * 86_400_000,
        forward: "9000",
        quotes: quotes.slice(0, 2),
      },
    ]);
    expect(smiled.map((e) => e.type)).toEqual(["surface", "surface"]);
  });

  it("the schemas reject what the engine rejects for shape", () => {
    expect(validateCommand({ type: "deposit", ts: 1, account: "a", asset: "USDC", amount: 5 })).toBe(false);
    expect(validateCommand({ type: "deposit", ts: 1, account: "a", asset: "USDC", amount: "1e5" })).toBe(
      false,
    );
    expect(validateCommand({ type: "deposit", ts: 1, account: "a", asset: "USDC", amount: "0" })).toBe(false);
    expect(
      validateCommand({ type: "deposit", ts: 1, account: "a", asset: "USDC", amount: "1", memo: "x" }),
    ).toBe(false);
  });
});
