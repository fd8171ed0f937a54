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
 * One timed change of an HTTP(S) listener's answer or certificate, from the
 * `script` steps that carry `response` / `certificate`. A step of the file
 * that also sets `state` is split: the state part goes to the listener's
 * {@link ListenerPattern}, this part here, both at the same `atMs`.
 */
export interface WebStep {
  readonly atMs: number;
  /** Merged over the answer in force at that moment, so later steps build on earlier ones. */
  readonly response?: Partial<HttpResponseSpec>;
  /** HTTPS only: a new certificate expiring this long after the step (negative = already expired). */
  readonly certificateExpiresInMs?: number;
}

/**
 * A repeating answer (e.g. 503 and 200 in turn): from `startMs` each entry
 * of `responses`, merged over the listener's own `response`, is served for
 * `everyMs`, in order, round after round; after `count` rounds the listener
 * answers its own `response` again. The HTTP counterpart of a flap.
 */
export interface ResponseCycle {
  readonly startMs: number;
  readonly everyMs: number;
  /** Two or more; each is a change over the listener's `response`, not over the previous entry. */
  readonly responses: readonly Partial<HttpResponseSpec>[];
  /** Rounds through `responses`; absent means until the scenario ends. */
  readonly count?: number;
}

/** The timed changes of a web listener's answer; both absent when it answers the same all run. */
export interface WebChanges {
  /** In increasing `atMs`. */
  readonly steps?: readonly WebStep[];
  readonly cycle?: ResponseCycle;
}

/**
 * What a listener speaks while up. TCP only accepts; HTTP(S) answer every
 * request with `response`, changed over time by `steps` / `cycle` (or at run
 * time through the library's `respond`).
 */
export type ServiceSpec =
  | { readonly kind: "tcp" }
  | ({ readonly kind: "http"; readonly response: HttpResponseSpec } & WebChanges)
  | ({
      readonly kind: "https";
      readonly response: HttpResponseSpec;
      /** From the moment the certificate is made (the first up); negative = already expired. */
      readonly certificateExpiresInMs: number;
    } & WebChanges);

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
