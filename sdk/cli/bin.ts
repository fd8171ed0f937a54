#!/usr/bin/env node
/** The `monitorctl` executable (the package's bin): runs the CLI's process edge. */
import { main } from "./main.js";

await main();
