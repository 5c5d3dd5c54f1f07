// Run before every test file (vitest.config.ts setupFiles). Tests here are mostly synchronous work on the WASM
// engine, and vitest's worker answers its runner over an RPC whose replies it only reads when the event loop
// turns; awaiting one macrotask after each test lets it turn, so a long file of synchronous tests on a loaded
// machine does not end in "Timeout calling onTaskUpdate" with every test passed.
import { afterEach } from "vitest";

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
