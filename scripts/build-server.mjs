#!/usr/bin/env node
// Bundles server.ts (and server/, lib/) into dist/server.mjs, and the range-reading thread
// (server/adapters/nats/read-worker.ts) beside it into dist/read-worker.mjs; npm packages stay external.
import { build } from "esbuild";

await build({
  entryPoints: { server: "server.ts", "read-worker": "server/adapters/nats/read-worker.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
