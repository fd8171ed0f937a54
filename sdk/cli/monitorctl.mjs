#!/usr/bin/env node
// The `monitorctl` bin: the CLI is TypeScript, run through tsx's loader
// (a runtime dependency), so there is no build step to forget.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
await main();
