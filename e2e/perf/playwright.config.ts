import { defineConfig } from "@playwright/test";
import base from "../../playwright.config";

/**
 * Browser benchmarks (`npm run bench:browser`): `*.perf.ts` under e2e/perf, one at a time, with a
 * long timeout. The regular suite (`npm run test:e2e`) never runs them: its config matches
 * `*.spec.ts` only.
 */
export default defineConfig({
  ...base,
  testDir: ".",
  testMatch: "**/*.perf.ts",
  outputDir: "../artifacts/perf-results",
  timeout: 240_000,
  // no trace: recording one (screencast frames, DOM snapshots) takes CPU from the page measured
  use: { ...base.use, trace: "off", video: "off", screenshot: "off" },
});
