#!/usr/bin/env node
// The podprobe command (host/cli/main.ts, compiled by `npm run build`).
import { main } from "../build/host/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`podprobe: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
