import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./data-dirs.js";
import { PRICE_FEED_USAGE, priceFeedCli } from "./price-feed-cli.js";

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const code = priceFeedCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe("price-feed command", () => {
  it("writes the Lean preset, byte for byte the committed fixture", () => {
    const out = join(mkdtempSync(join(tmpdir(), "plimsoll-cli-")), "lean.jsonl");
    expect(run(["--preset", "lean-2022-12-13", "--output", out])).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    const fixture = readFileSync(
      join(REPO_ROOT, "test", "fixtures", "lean-2022-12-13.commands.jsonl"),
      "utf8",
    );
    expect(readFileSync(out, "utf8") === fixture).toBe(true);
  });

  it("reads a spec file, with files relative to it, and applies --from, --to and --tick-ms", () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-cli-"));
    writeFileSync(
      join(dir, "k.csv"),
      "time_s,open,high,low,close,volume,trade_count\n1678518000,1,1,1,1,1,1\n1678518300,2,2,2,2,1,1\n1678518600,3,3,3,3,1,1\n",
    );
    const spec = {
      sources: [
        {
          file: "k.csv",
          format: "kraken",
          barMs: 300_000,
          index: "BTC-USDC",
          source: "kraken",
          priceField: "close",
        },
      ],
      tickEveryMs: 60_000,
    };
    writeFileSync(join(dir, "spec.json"), JSON.stringify(spec));
    const r = run([
      "--spec",
      join(dir, "spec.json"),
      "--from",
      "2023-03-11T07:05Z",
      "--to",
      "1678518600001",
      "--tick-ms",
      "0",
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      '{"type":"price","ts":1678518600000,"index":"BTC-USDC","source":"kraken","price":"2","sourceTs":1678518600000}\n' +
        '{"type":"price","ts":1678518900000,"index":"BTC-USDC","source":"kraken","price":"3","sourceTs":1678518900000}\n',
    );
    expect(
      run(["--spec", join(dir, "spec.json")])
        .stdout.split("\n")
        .filter((l) => l.includes("tick")),
    ).toHaveLength(11); // 07:05 … 07:15
  });

  it("exits 2 with the reason for unusable arguments, specs and data", () => {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-cli-"));
    writeFileSync(join(dir, "bad.json"), "{ not json");
    writeFileSync(
      join(dir, "no-file.json"),
      JSON.stringify({
        sources: [{ file: "nope.csv", format: "binanceus", index: "I", source: "s", priceField: "close" }],
      }),
    );
    const cases: [string[], RegExp][] = [
      [[], /give exactly one of --spec FILE and --preset NAME/],
      [["--preset", "x", "--spec", "y"], /give exactly one/],
      [["--preset", "ftx"], /unknown preset "ftx" \(known: lean-2022-12-13, usdc-depeg-2023-03\)/],
      [["--preset", "lean-2022-12-13", "--from", "noon"], /--from: "noon" is not a time/],
      [["--preset", "lean-2022-12-13", "--tick-ms", "1.5"], /--tick-ms: "1.5" is not a whole number of ms/],
      [["--preset", "lean-2022-12-13", "--verbose"], /Unknown option '--verbose'/],
      [["--spec", join(dir, "bad.json")], /bad\.json: .*JSON/],
      [["--spec", join(dir, "no-file.json")], /ENOENT.*nope\.csv/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^price-feed: /);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    expect(run(["--help"])).toEqual({ code: 0, stdout: PRICE_FEED_USAGE, stderr: "" });
  });
});
