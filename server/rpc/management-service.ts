import type { ServiceImpl } from "@connectrpc/connect";
import { ManagementService } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import type { Clock } from "../domain/clock.js";
import { invalidArgument, notFound } from "../domain/monitor-error.js";
import type { ServiceStateSource } from "../domain/service-state.js";
import type { HistoryQueries } from "../history/history-queries.js";
import type { Registry } from "../store/registry.js";
import { issueCallerToken } from "../auth/caller-token.js";
import { checkAlertRuleRequest } from "./alert-rule-request.js";
import { applyServiceMask, checkMaskPaths } from "./apply-service-mask.js";
import { checkServiceSettings } from "./check-service-settings.js";
import { createHistoryHandlers } from "./history-handlers.js";
import { paginate } from "./page-token.js";
import { checkServiceListFilter, matchesServiceFilter } from "./service-list-filter.js";
import { settingsOf } from "./service-settings.js";
import {
  callerToProto,
  outageToProto,
  serviceToProto,
  subscriptionToProto,
} from "./to-proto.js";
import {
  DEFAULTS,
  LIMITS,
  checkCallerId,
  checkCallerRef,
  checkDuration,
  checkOptionalId,
  checkOutageId,
  checkRequiredTime,
  checkServiceId,
  checkText,
} from "./validate.js";

export interface ManagementDeps {
  readonly registry: Registry;
  readonly states: ServiceStateSource;
  readonly clock: Clock;
  /** What ListCheckResults, GetServiceStats and ListStatusChanges read. */
  readonly history: HistoryQueries;
}

/**
 * ManagementService: validate, call the registry, map to the wire. Refusals
 * are MonitorErrors; the error interceptor turns them into gRPC codes.
 */
export function createManagementService({
  registry,
  states,
  clock,
  history,
}: ManagementDeps): ServiceImpl<typeof ManagementService> {
  const requireService = (id: string) => {
    const service = registry.getService(checkServiceId(id));
    if (service === undefined) throw notFound("service", id);
    return service;
  };
  const toProto = (service: Parameters<typeof serviceToProto>[0]) =>
    serviceToProto(service, states.stateOf(service.id));

  return {
    async registerService(req) {
      const service = await registry.addService({ ...checkServiceSettings(req), createdAt: clock.now() });
      return { service: toProto(service) };
    },

    getService(req) {
      return { service: toProto(requireService(req.serviceId)) };
    },

    listServices(req) {
      const filter = checkServiceListFilter(req);
      const statusOf = (id: string) => states.stateOf(id)?.observation.status ?? "unknown";
      const all = registry.listServices();
      const selected = filter.scope === "" ? all : all.filter((service) => matchesServiceFilter(service, filter, statusOf));
      const { page, nextPageToken } = paginate(selected, req.pageSize, req.pageToken, filter.scope);
      return { services: page.map(toProto), nextPageToken };
    },

    async updateService(req) {
      const patch = req.service;
      if (patch === undefined) throw invalidArgument("service", "is required");
      checkServiceId(patch.id, "service.id");
      const paths = req.updateMask?.paths ?? [];
      checkMaskPaths(paths); // bad input before an unknown id, as everywhere
      requireService(patch.id);
      // The mask applies to the service as the registry's batch finds it, so
      // two updates in flight never undo each other's fields.
      const service = await registry.editService(patch.id, (current) => {
        const input = applyServiceMask(settingsOf(current), patch, paths);
        // What the server keeps itself is carried over; the probe comes only from the new settings.
        return {
          id: current.id,
          createdAt: current.createdAt,
          ...(current.pausedAt === undefined ? {} : { pausedAt: current.pausedAt }),
          ...(current.managedBy === undefined ? {} : { managedBy: current.managedBy }),
          ...checkServiceSettings(input, "service."),
        };
      });
      return { service: toProto(service) };
    },

    async pauseService(req) {
      const service = await registry.pauseService(requireService(req.serviceId).id, clock.now());
      return { service: toProto(service) };
    },

    async resumeService(req) {
      const service = await registry.resumeService(requireService(req.serviceId).id);
      return { service: toProto(service) };
    },

    async unregisterService(req) {
      await registry.removeService(checkServiceId(req.serviceId));
      return {};
    },

    async registerCaller(req) {
      const issued = issueCallerToken();
      const caller = await registry.addCaller({
        id: checkCallerId(req.callerId),
        displayName: checkText(req.displayName, "display_name", LIMITS.displayNameLength),
        createdAt: clock.now(),
        tokenHash: issued.hash,
      });
      return { caller: callerToProto(caller), callerToken: issued.token };
    },

    async rotateCallerToken(req) {
      const issued = issueCallerToken();
      // One registry operation: a read-then-write could undo a rename committed in between.
      await registry.rotateCallerToken(checkCallerRef(req.callerId), issued.hash);
      return { callerToken: issued.token };
    },

    async unregisterCaller(req) {
      await registry.removeCaller(checkCallerRef(req.callerId));
      return {};
    },

    listCallers(req) {
      const { page, nextPageToken } = paginate(registry.listCallers(), req.pageSize, req.pageToken);
      return { callers: page.map(callerToProto), nextPageToken };
    },

    async subscribe(req) {
      // Bad input is reported before unknown ids, as in every other RPC.
      const callerId = checkCallerRef(req.callerId);
      checkServiceId(req.serviceId);
      const pollingIntervalMs =
        req.pollingInterval === undefined
          ? undefined
          : checkDuration(req.pollingInterval, "polling_interval", LIMITS.interval, 0);
      const gracePeriodMs = checkDuration(
        req.gracePeriod,
        "grace_period",
        LIMITS.grace,
        DEFAULTS.gracePeriodMs,
      );
      const availabilityAlert = checkAlertRuleRequest(req.availabilityAlertRule);
      const service = requireService(req.serviceId);
      const subscription = await registry.setSubscription({
        callerId,
        serviceId: service.id,
        // By default a subscriber is content with the service's own interval.
        pollingIntervalMs: pollingIntervalMs ?? service.checkIntervalMs,
        gracePeriodMs,
        // Left out when unset: the subscription is replaced whole, so this removes a rule set before.
        ...(availabilityAlert === undefined ? {} : { availabilityAlert }),
      });
      return { subscription: subscriptionToProto(subscription) };
    },

    async unsubscribe(req) {
      await registry.removeSubscription(
        checkCallerRef(req.callerId),
        checkServiceId(req.serviceId),
      );
      return {};
    },

    listSubscriptions(req) {
      checkOptionalId(req.callerId, "caller_id", LIMITS.callerIdLength);
      checkOptionalId(req.serviceId, "service_id", LIMITS.serviceIdLength);
      if (req.callerId !== "" && registry.getCaller(req.callerId) === undefined) {
        throw notFound("caller", req.callerId);
      }
      if (req.serviceId !== "") requireService(req.serviceId);
      const subscriptions = registry.listSubscriptions({
        ...(req.callerId === "" ? {} : { callerId: req.callerId }),
        ...(req.serviceId === "" ? {} : { serviceId: req.serviceId }),
      });
      return { subscriptions: subscriptions.map(subscriptionToProto) };
    },

    async schedulePlannedOutage(req) {
      checkServiceId(req.serviceId);
      const startMs = checkRequiredTime(req.startTime, "start_time");
      const endMs = checkRequiredTime(req.endTime, "end_time");
      if (endMs <= startMs) throw invalidArgument("end_time", "must be after start_time");
      if (endMs <= clock.now()) throw invalidArgument("end_time", "must be in the future");
      const reason = checkText(req.reason, "reason", LIMITS.reasonLength);
      const service = requireService(req.serviceId);
      const outage = await registry.addOutage({ serviceId: service.id, startMs, endMs, reason });
      return { outage: outageToProto(outage) };
    },

    async cancelPlannedOutage(req) {
      await registry.removeOutage(checkOutageId(req.outageId));
      return {};
    },

    listPlannedOutages(req) {
      checkOptionalId(req.serviceId, "service_id", LIMITS.serviceIdLength);
      if (req.serviceId !== "") requireService(req.serviceId);
      const now = clock.now();
      const outages = registry
        .listOutages(req.serviceId === "" ? undefined : req.serviceId)
        .filter((outage) => outage.endMs > now);
      return { outages: outages.map(outageToProto) };
    },

    ...createHistoryHandlers({ registry, history, clock }),
  };
}
