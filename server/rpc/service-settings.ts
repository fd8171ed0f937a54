import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { RegisterServiceRequest } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import type { ServiceConfig } from "../domain/types.js";
import { probeToProto } from "./to-proto.js";

/**
 * A service's settings in the shape RegisterService takes them: what
 * checkServiceSettings checks. UpdateService turns the current service into
 * this shape, applies its mask over it and checks the result as if it were a
 * registration, so both RPCs share every rule.
 */
export type ServiceSettingsInput = Pick<
  RegisterServiceRequest,
  "host" | "port" | "displayName" | "checkInterval" | "checkTimeout" | "probe"
>;

/**
 * A registered service as the request that would register it again. An
 * HTTP service's host and port are its URL's, which a request must leave
 * empty, so they are left out here.
 */
export function settingsOf(service: ServiceConfig): ServiceSettingsInput {
  const http = service.probe?.kind === "http";
  return {
    host: http ? "" : service.host,
    port: http ? 0 : service.port,
    displayName: service.displayName,
    checkInterval: durationFromMs(service.checkIntervalMs),
    checkTimeout: durationFromMs(service.checkTimeoutMs),
    probe: probeToProto(service.probe),
  };
}
