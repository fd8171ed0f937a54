/**
 * The service monitor's TypeScript SDK: {@link createMonitorClient} for the
 * management RPCs and a watch that resumes across reconnects; the generated
 * messages, enums and service descriptors of `monitor.v1`; and helpers for
 * the protobuf time types.
 */
export { createMonitorClient } from "./create-monitor-client.js";
export type { ManagementClient, MonitorClient, MonitorClientOptions } from "./create-monitor-client.js";
export type { ConnectClientOptions, GrpcClientOptions, TransportSettings } from "./create-node-transport.js";
export type { TokenSource } from "./bearer-token.js";
export type { TlsOptions } from "./tls-options.js";
export type { ReconnectInfo, ResumingWatch, WatchOptions } from "./resuming-watch.js";
export { DEFAULT_BACKOFF } from "./backoff.js";
export type { BackoffOptions } from "./backoff.js";
export { isRetryable } from "./retry-policy.js";
export type { RelaxedClient } from "./relaxed-client.js";
export { convertRequest } from "./convert-request.js";
export type { DurationInput, RelaxedInit, RelaxedInitShape, TimestampInput } from "./relaxed-init.js";
export { toDate, toMillis } from "./to-millis.js";
export { Code, ConnectError } from "@connectrpc/connect";
export * from "./gen/monitor/v1/resources_pb.js";
export * from "./gen/monitor/v1/management_service_pb.js";
export * from "./gen/monitor/v1/watch_service_pb.js";
export { formatDuration, parseDuration } from "./parse-duration.js";
export type { DurationResult } from "./parse-duration.js";
export { CONFIG_FILE_KEYS, CONFIG_FILE_VERSION, formatConfigFile } from "./config/config-file.js";
export type {
  ConfigAvailabilityAlert,
  ConfigCaller,
  ConfigFile,
  ConfigHttpProbe,
  ConfigOutage,
  ConfigProbe,
  ConfigService,
  ConfigSubscription,
  ConfigTcpProbe,
} from "./config/config-file.js";
export { formatStatusRanges, parseStatusRanges } from "./config/status-ranges.js";
export type { StatusCodeRange, StatusRangesResult } from "./config/status-ranges.js";
export { configFileFromRegistry } from "./config/config-file-from-registry.js";
export type { RegistryListing } from "./config/config-file-from-registry.js";
