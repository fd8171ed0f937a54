import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Tests run against the sources: `@service-monitor/sdk` resolves to the
  // SDK's .ts files through its "@service-monitor/source" export condition (never set by a consumer).
  ssr: { resolve: { conditions: ["@service-monitor/source", ...defaultServerConditions] } },
  resolve: { conditions: ["@service-monitor/source", ...defaultServerConditions] },
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ and sdk/dist/ once, for the tests that run what ships;
    // finds (or starts) the PostgreSQL cluster the PostgreSQL tests use.
    globalSetup: ["test/support/build-once.ts", "test/support/postgres-global-setup.ts"],
    // Integration tests spawn servers and child processes; isolate them.
    pool: "forks",
    // Two files at a time, even on two cores (vitest's default there is one): most of
    // a file's time is spent waiting on server processes, PostgreSQL and the 5-minute
    // soak, not on the CPU, and no test asserts timing.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
