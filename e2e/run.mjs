#!/usr/bin/env node
// The e2e suite: build the app, start the real server (real NATS and Redis, streams of its own),
// run Playwright in Chromium against it, then stop the server with SIGTERM (it must exit cleanly)
// and delete the run's streams.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { ensureChromium } from "./chromium.mjs";

const chromium = ensureChromium();

const run = (cmd, args, env = process.env) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

run("npm", ["run", "build", "--silent"]);

const id = randomBytes(4).toString("hex");
const port = await freePort();
const env = {
  ...process.env,
  NODE_ENV: "production",
  API_PORT: String(port),
  API_HOST: "127.0.0.1",
  STREAM_NAME: `E2E_${id}_EVENTS`,
  DEAD_LETTER_STREAM: `E2E_${id}_DLQ`,
  AUDIT_STREAM: `E2E_${id}_AUDIT`,
  SUBJECT_PREFIX: `e2e${id}`,
  REDIS_KEY_PREFIX: `e2e:${id}:`,
  LOG_LEVEL: "warn",
  // auth stays on: the suite uses this admin key (Playwright sends it with every request)
  ADMIN_API_KEY: `e2e-admin-${randomBytes(16).toString("hex")}`,
};
const server = spawn(process.execPath, ["--v8-pool-size=0", "--enable-source-maps", "dist/server.mjs"], {
  env,
  stdio: ["ignore", "inherit", "inherit"],
});
const exited = new Promise((resolve) => server.on("exit", (code, signal) => resolve({ code, signal })));

const baseURL = `http://127.0.0.1:${port}`;
let up = false;
for (let i = 0; i < 150 && !up; i++) {
  up = await fetch(`${baseURL}/api/health/ready`).then(
    (r) => r.ok,
    () => false,
  );
  if (!up) await new Promise((r) => setTimeout(r, 200));
}

let status = 1;
if (up) {
  const r = spawnSync("npx", ["playwright", "test", ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...env, E2E_BASE_URL: baseURL, CHROMIUM_PATH: chromium },
  });
  status = r.status ?? 1;
} else console.error("the server did not become ready within 30 s");

// graceful shutdown of the real process
server.kill("SIGTERM");
const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), 15_000));
const result = await Promise.race([exited, timeout]);
if (result === "timeout") {
  console.error("the server did not exit within 15 s of SIGTERM");
  server.kill("SIGKILL");
  status = status || 1;
} else if (result.code !== 0) {
  console.error(`the server exited with ${result.code ?? result.signal} after SIGTERM (expected 0)`);
  status = status || 1;
} else console.log("server stopped cleanly on SIGTERM");

// delete the run's streams and keys
run(process.execPath, ["--import", "tsx", "e2e/cleanup.ts"], env);
process.exit(status);
