#!/usr/bin/env node
// The `sluice` command: see `sluice --help` and src/run/cli.ts.
import { main } from "../dist/run/cli.js";

process.exitCode = await main(process.argv.slice(2));
