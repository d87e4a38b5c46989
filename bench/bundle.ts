import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Inside node_modules (ignored by git), so the bundles resolve their external packages from the project. */
export const BUNDLE_DIR = path.join(ROOT, "node_modules", ".cache", "anumate-bench");

/**
 * Bundles a bench entry the way `npm run build` bundles server.ts (scripts/build-server.mjs:
 * esbuild, ESM, node20, npm packages external), so the children run the code as production does —
 * not through tsx, whose transform adds `keepNames` wrappers to every closure.
 */
export async function bundle(entry: string): Promise<string> {
  const outfile = path.join(BUNDLE_DIR, `${path.basename(entry, ".ts")}.mjs`);
  await build({
    entryPoints: [path.join(ROOT, "bench", entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
  return outfile;
}
