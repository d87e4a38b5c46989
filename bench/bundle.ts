import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Inside node_modules (ignored by git), so the bundles resolve their external packages from the project. */
export const BUNDLE_DIR = path.join(ROOT, "node_modules", ".cache", "anumate-bench");

/**
 * Bundles a bench entry (with the range-reading thread beside it) the way `npm run build` bundles server.ts (scripts/build-server.mjs:
 * esbuild, ESM, node20, npm packages external), so the children run the code as production does —
 * not through tsx, whose transform adds `keepNames` wrappers to every closure.
 */
export async function bundle(entry: string): Promise<string> {
  const name = path.basename(entry, ".ts");
  await build({
    // the range-reading thread beside it, as in dist/
    entryPoints: {
      [name]: path.join(ROOT, "bench", entry),
      "read-worker": path.join(ROOT, "server", "adapters", "nats", "read-worker.ts"),
    },
    outdir: BUNDLE_DIR,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
  return path.join(BUNDLE_DIR, `${name}.mjs`);
}
