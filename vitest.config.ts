import { defineConfig } from "vitest/config";

// Under CI a JSON report is written too, so .ci/run can print the closing "N passed, N failed" line.
const ci = process.env["CI"] === "true";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ci ? ["default", "json"] : ["default"],
    outputFile: { json: ".vitest-report.json" },
  },
});
