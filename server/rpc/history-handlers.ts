import type { ServiceImpl } from "@connectrpc/connect";
import type { ManagementService } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import type { Clock } from "../domain/clock.js";
import { notFound } from "../domain/monitor-error.js";
import type { HistoryQueries } from "../history/history-queries.js";
import type { Registry } from "../store/registry.js";
import { checkCheckResultFilter } from "./check-result-filter.js";
import { checkHistoryListRequest } from "./history-list-request.js";
import { checkResultToProto, serviceStatsToProto, statusChangeToProto } from "./history-to-proto.js";
import { checkStatsWindow } from "./stats-window.js";
import { checkServiceId } from "./validate.js";

export interface HistoryHandlerDeps {
  readonly registry: Pick<Registry, "getService">;
  readonly history: HistoryQueries;
  readonly clock: Clock;
}

type HistoryHandlers = Pick<ServiceImpl<typeof ManagementService>, "listCheckResults" | "getServiceStats" | "listStatusChanges">;

/**
 * The history RPCs of ManagementService: check the request, ask
 * HistoryQueries, map to the wire. Bad input is refused before an unknown
 * service (as in every RPC); an unknown service is NOT_FOUND even if rows of
 * it are still kept, since a service unregistered has no history to show.
 */
export function createHistoryHandlers({ registry, history, clock }: HistoryHandlerDeps): HistoryHandlers {
  const requireService = (id: string) => {
    if (registry.getService(id) === undefined) throw notFound("service", id);
  };

  return {
    async listCheckResults(req) {
      checkServiceId(req.serviceId); // named first, before the other fields
      const statuses = checkCheckResultFilter(req.statusFilter);
      const query = checkHistoryListRequest("ListCheckResults", req, clock.now(), statuses === undefined ? [] : [...statuses].sort());
      requireService(query.serviceId);
      const page = await history.listCheckResults({
        serviceId: query.serviceId,
        startMs: query.startMs,
        endMs: query.endMs,
        pageSize: query.pageSize,
        ...(statuses === undefined ? {} : { statuses }),
        ...(query.after === undefined ? {} : { after: query.after }),
      });
      return { results: page.items.map(checkResultToProto), nextPageToken: query.nextPageToken(page.next) };
    },

    async getServiceStats(req) {
      const serviceId = checkServiceId(req.serviceId);
      const now = clock.now();
      const window = checkStatsWindow(req, now);
      requireService(serviceId);
      const stats = await history.getServiceStats({ serviceId, ...window });
      return { stats: serviceStatsToProto(stats, now) };
    },

    async listStatusChanges(req) {
      const query = checkHistoryListRequest("ListStatusChanges", req, clock.now());
      requireService(query.serviceId);
      const page = await history.listStatusChanges({
        serviceId: query.serviceId,
        startMs: query.startMs,
        endMs: query.endMs,
        pageSize: query.pageSize,
        ...(query.after === undefined ? {} : { after: query.after }),
      });
      return { changes: page.items.map(statusChangeToProto), nextPageToken: query.nextPageToken(page.next) };
    },
  };
}
