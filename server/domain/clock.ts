import type { Millis } from "./types.js";

/**
 * The source of "now" for the edges that need one (handlers, engine). Rules
 * take time as an argument instead; only main.ts hands out the real clock.
 */
export interface Clock {
  now(): Millis;
}
