import { defineConfig } from "vitest/config";

const alias = { "@": new URL(".", import.meta.url).pathname };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["{server,lib,components,app}/**/*.test.{ts,tsx}"],
          exclude: ["**/*.int.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["{server,test}/**/*.int.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // integration files share two small CPUs with real servers; run them one at a time
          fileParallelism: false,
        },
      },
    ],
    coverage: { provider: "v8", include: ["server/**", "lib/**"], exclude: ["**/*.test.ts", "server/testing/**"] },
  },
});
