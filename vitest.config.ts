import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests spawn servers and child processes; isolate them.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
