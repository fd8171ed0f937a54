/**
 * The validated, normalized form of a scenario file. Everything downstream
 * (schedule, runner, CLI) works on this shape, never on raw JSON, so defaults
 * and units are resolved exactly once, in the validator.
 */
import type { HttpResponseSpec } from "./http-response.js";

/** Whether a simulated service accepts connections ("up") or refuses them ("down"). */
export type ListenerState = "up" | "down";

/** One explicit state change at an absolute offset from the scenario start. */
export interface ScriptStep {
  readonly atMs: number;
  readonly state: ListenerState;
}

/**
 * How a listener changes over time. A tagged union because a listener follows
 * exactly one pattern; mixing a script with a flap would make the order of
 * overlapping changes ambiguous.
 */
export type ListenerPattern =
  | { readonly kind: "steady" }
  | { readonly kind: "script"; readonly steps: readonly ScriptStep[] }
  | {
      readonly kind: "flap";
      /** When the first down phase begins. */
      readonly startMs: number;
      readonly downMs: number;
      readonly upMs: number;
      /** Number of down phases; absent means until the scenario ends. */
      readonly count?: number;
    };

/**
 * What a listener speaks while up. TCP only accepts; HTTP(S) answer every
 * request with `response` (changed at run time through the library only).
 */
export type ServiceSpec =
  | { readonly kind: "tcp" }
  | { readonly kind: "http"; readonly response: HttpResponseSpec }
  | {
      readonly kind: "https";
      readonly response: HttpResponseSpec;
      /** From the moment the certificate is made (the first up); negative = already expired. */
      readonly certificateExpiresInMs: number;
    };

/** One simulated service: where it listens and how its state evolves. */
export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  /** 0 means "any free port", resolved when the runner first binds. */
  readonly port: number;
  readonly initial: ListenerState;
  readonly pattern: ListenerPattern;
  /** Absent = TCP, so specs written before HTTP listeners existed keep their meaning. */
  readonly service?: ServiceSpec;
}

/** A whole scenario; without `durationMs` it runs until stopped. */
export interface Scenario {
  readonly listeners: readonly ListenerSpec[];
  readonly durationMs?: number;
}
