/**
 * The simulator's public surface: loopback TCP, HTTP and HTTPS listeners that
 * go up and down on a timed script, for driving the monitor against real sockets.
 */
export type { BindRetry } from "./bind-server.js";
export { DEFAULT_BIND_RETRY } from "./bind-server.js";
export type { Transition } from "./compute-schedule.js";
export { computeSchedule, isUnbounded, scheduleTransitions } from "./compute-schedule.js";
export type { ListenerOptions, SimListener } from "./create-listener.js";
export { createListener } from "./create-listener.js";
export { createHttpListener } from "./create-http-listener.js";
export type { HttpsListenerOptions, SimHttpsListener } from "./create-https-listener.js";
export { createHttpsListener } from "./create-https-listener.js";
export type { HttpRequestRecord, SimHttpListener, WebListenerOptions } from "./create-web-listener.js";
export type { HttpResponseSpec } from "./http-response.js";
export { DEFAULT_HTTP_RESPONSE } from "./http-response.js";
export type { CertificateValidity, SimCertificate } from "./make-certificate.js";
export { DEFAULT_HOST, LOOPBACK_HOSTS, isLoopbackHost } from "./is-loopback-host.js";
export { loadScenarioFile } from "./load-scenario-file.js";
export type { DurationResult } from "@service-monitor/sdk";
export { formatDuration, parseDuration } from "@service-monitor/sdk";
export type {
  ListenerPattern,
  ListenerSpec,
  ListenerState,
  ResponseCycle,
  Scenario,
  ScriptStep,
  ServiceSpec,
  WebChanges,
  WebStep,
} from "./scenario.js";
export type { ScheduledChange } from "./schedule-changes.js";
export { computeChanges, scheduleChanges } from "./schedule-changes.js";
export type { ScenarioIssue } from "./scenario-error.js";
export { ScenarioError } from "./scenario-error.js";
export type { ScenarioEnd, ScenarioEvent } from "./scenario-event.js";
export type { CancelTimer, Clock, Scheduler } from "./scheduler.js";
export { realScheduler } from "./scheduler.js";
export type { RunningScenario, StartScenarioOptions } from "./start-scenario.js";
export { startScenario } from "./start-scenario.js";
export type { ScenarioValidation } from "./validate-scenario.js";
export { parseScenario, validateScenario } from "./validate-scenario.js";
