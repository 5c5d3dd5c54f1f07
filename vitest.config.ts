import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup-event-loop.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // the engine's optimised tier, as the CLI sets it (the library leaves V8's flags to the application)
    poolOptions: { forks: { execArgv: ["--no-liftoff", "--no-wasm-dynamic-tiering", "--no-wasm-lazy-compilation"] } },
  },
});
