// Finds a Chromium for the e2e suite: CHROMIUM_PATH, Debian's /usr/bin/chromium, or Playwright's own.
// When there is none it installs one (apt-get as root, else `npx playwright install chromium`),
// or exits saying exactly what to run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

function playwrightOwn() {
  try {
    const out = execFileSync(
      process.execPath,
      ["-e", "process.stdout.write(require('playwright-core').chromium.executablePath())"],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    return out && existsSync(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

function find() {
  for (const p of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) if (p && existsSync(p)) return p;
  return playwrightOwn();
}

export function ensureChromium() {
  const found = find();
  if (found) return found;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0) {
    console.log("Chromium not found: installing it with apt-get (Debian's chromium package)…");
    spawnSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"], {
      stdio: "inherit",
    });
  } else {
    console.log("Chromium not found: trying `npx playwright install chromium`…");
    spawnSync("npx", ["playwright", "install", "chromium"], { stdio: "inherit" });
  }
  const after = find();
  if (after) return after;
  console.error(
    "No Chromium for the end-to-end tests. Install one, then run npm test again:\n" +
      "  sudo apt-get install -y chromium          (Debian/Ubuntu)\n" +
      "  npx playwright install chromium           (Playwright's own build)\n" +
      "or point CHROMIUM_PATH at an existing Chromium/Chrome binary.",
  );
  process.exit(1);
}
