import { defineConfig } from "@playwright/test";

/** Run through `npm run test:e2e` (e2e/run.mjs), which builds and starts the server and sets these variables. */
export default defineConfig({
  testDir: "e2e",
  outputDir: "e2e/artifacts/results",
  timeout: 30_000,
  retries: 0,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    // the admin key of the e2e server, on every request (pages and API calls); the sign-in spec uses a context without it
    extraHTTPHeaders: process.env.ADMIN_API_KEY ? { authorization: `Bearer ${process.env.ADMIN_API_KEY}` } : {},
    viewport: { width: 1366, height: 820 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
    trace: "retain-on-failure",
  },
});
