import type { BindRetry } from "./bind-server.js";
import type { SimListener } from "./create-listener.js";
import { createListener } from "./create-listener.js";
import { createHttpListener } from "./create-http-listener.js";
import { createHttpsListener } from "./create-https-listener.js";
import type { SimHttpsListener } from "./create-https-listener.js";
import type { SimHttpListener } from "./create-web-listener.js";
import { createTimeline } from "./create-timeline.js";
import type { ListenerSpec, Scenario } from "./scenario.js";
import type { ScheduledChange } from "./schedule-changes.js";
import { scheduleChanges } from "./schedule-changes.js";
import type { ScenarioEnd, ScenarioEvent } from "./scenario-event.js";
import type { Clock, Scheduler } from "./scheduler.js";
import { realScheduler } from "./scheduler.js";

/** Injection points and observers for {@link startScenario}. */
export interface StartScenarioOptions {
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Called synchronously for each event as it is recorded; must not throw. */
  readonly onEvent?: (event: ScenarioEvent) => void;
  readonly bindRetry?: BindRetry;
}

/** Handle on a scenario in progress. */
export interface RunningScenario {
  /** Epoch ms of the start, after every listener was opened; transitions are offsets from it. */
  readonly startedAtMs: number;
  /** Real port of each listener by name (port 0 resolved). */
  readonly ports: Readonly<Record<string, number>>;
  /** HTTP(S) listeners are {@link SimHttpListener}s (narrow with `"protocol" in listener`), so a test can change their answer. */
  readonly listeners: ReadonlyMap<string, SimListener | SimHttpListener>;
  /** Every event so far, oldest first. */
  events(): readonly ScenarioEvent[];
  /** Cancels the rest of the script and closes every listener; resolves like `done`. */
  stop(): Promise<ScenarioEnd>;
  /** Settles once everything is closed, at the duration or after `stop()`; rejects only if `onEvent` threw. */
  readonly done: Promise<ScenarioEnd>;
}

/** Any listener a scenario makes; HTTPS kept distinct so a renewal can reach its certificate. */
type AnyListener = SimListener | SimHttpListener | SimHttpsListener;

/** The listener a spec asks for; TCP when it names no service. */
function listenerFor(
  spec: ListenerSpec,
  common: { readonly clock: Clock; readonly bindRetry?: BindRetry },
): AnyListener {
  const options = { name: spec.name, host: spec.host, port: spec.port, ...common };
  const service = spec.service ?? { kind: "tcp" };
  switch (service.kind) {
    case "tcp":
      return createListener(options);
    case "http":
      return createHttpListener({ ...options, response: service.response });
    case "https":
      return createHttpsListener({ ...options, response: service.response, certificateExpiresInMs: service.certificateExpiresInMs });
  }
}

/** `http(s)://host:port/` of a web listener, for the `open` event; nothing for TCP. */
function urlOf(listener: SimListener | SimHttpListener): { readonly url?: string } {
  return "protocol" in listener ? { url: listener.url() } : {};
}

/**
 * Opens every listener of a validated scenario (binding port 0 to a real
 * port, reported in `open` events and `ports`), then follows its schedule.
 * Resolves once all listeners are open; rejects (after closing the ones
 * already open) if any cannot bind.
 */
export async function startScenario(scenario: Scenario, options: StartScenarioOptions = {}): Promise<RunningScenario> {
  const clock = options.clock ?? Date.now;
  const recorded: ScenarioEvent[] = [];
  const emit = (event: ScenarioEvent): void => {
    recorded.push(event);
    options.onEvent?.(event);
  };
  const bindRetry = options.bindRetry === undefined ? {} : { bindRetry: options.bindRetry };
  const listeners = new Map<string, AnyListener>();
  for (const spec of scenario.listeners) listeners.set(spec.name, listenerFor(spec, { clock, ...bindRetry }));
  const ports: Record<string, number> = {};
  try {
    // One at a time, so `open` events (and CLI lines) follow the file order.
    for (const spec of scenario.listeners) {
      const listener = listeners.get(spec.name);
      if (listener === undefined) continue;
      // Even an initially-down listener binds once, so its port is known and fixed.
      const port = await listener.up();
      if (spec.initial === "down") await listener.down();
      ports[spec.name] = port;
      emit({ type: "open", atMs: clock(), listener: spec.name, host: spec.host, port, state: spec.initial, ...urlOf(listener) });
    }
  } catch (err) {
    await Promise.allSettled([...listeners.values()].map((l) => l.close()));
    throw err;
  }

  const startedAtMs = clock();
  const apply = async (change: ScheduledChange): Promise<void> => {
    const listener = listeners.get(change.listener);
    if (listener === undefined) return;
    const { listener: name, atMs: scheduledMs } = change;
    const timing = (): { atMs: number; offsetMs: number; scheduledMs: number } => {
      const atMs = clock();
      return { atMs, offsetMs: atMs - startedAtMs, scheduledMs };
    };
    try {
      switch (change.kind) {
        case "state": {
          const { state } = change;
          const port = state === "up" ? await listener.up() : (await listener.down(), ports[name] ?? 0);
          emit({ type: "transition", ...timing(), listener: name, port, state });
          return;
        }
        case "response": {
          // Only a hand-built Scenario can aim this at a TCP listener; the validator never does.
          if (!("respond" in listener)) throw new Error("not an HTTP(S) listener: it has no answer to change");
          const response = listener.respond(change.response);
          emit({ type: "response", ...timing(), listener: name, response, changed: change.changed });
          return;
        }
        case "certificate": {
          if (!("renewCertificate" in listener)) throw new Error("not an HTTPS listener: it has no certificate to renew");
          const { notAfterMs } = await listener.renewCertificate(change.expiresInMs);
          emit({ type: "certificate", ...timing(), listener: name, expiresInMs: change.expiresInMs, notAfterMs });
          return;
        }
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const { atMs, offsetMs } = timing();
      emit({ type: "error", atMs, offsetMs, listener: name, message });
    }
  };
  const closeAll = async (reason: ScenarioEnd["reason"]): Promise<ScenarioEnd> => {
    await Promise.allSettled([...listeners.values()].map((l) => l.close()));
    const atMs = clock();
    const end: ScenarioEnd = { type: "end", atMs, offsetMs: atMs - startedAtMs, reason };
    emit(end);
    return end;
  };
  const timeline = createTimeline({
    changes: scheduleChanges(scenario),
    startedAtMs,
    clock,
    scheduler: options.scheduler ?? realScheduler,
    apply,
    finish: closeAll,
    ...(scenario.durationMs === undefined ? {} : { durationMs: scenario.durationMs }),
  });

  return {
    startedAtMs,
    ports,
    listeners,
    events: () => recorded.slice(),
    stop: timeline.stop,
    done: timeline.done,
  };
}
