import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Tests run against the sources: `@service-monitor/sdk` resolves to the
  // SDK's .ts files through its "source" export condition.
  ssr: { resolve: { conditions: ["source", ...defaultServerConditions] } },
  resolve: { conditions: ["source", ...defaultServerConditions] },
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ and sdk/dist/ once, for the tests that run what ships.
    globalSetup: ["test/support/build-once.ts"],
    // Integration tests spawn servers and child processes; isolate them.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
