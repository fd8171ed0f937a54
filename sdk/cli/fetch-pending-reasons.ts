import { toMillis } from "../index.js";
import type { Snapshot } from "../gen/monitor/v1/watch_service_pb.js";
import { ServiceStatus } from "../gen/monitor/v1/resources_pb.js";
import type { CommandContext } from "./command.js";
import { pendingReason } from "./pending-reason.js";

/**
 * For each subscription of a snapshot that has announced nothing yet, why:
 * asked of the server (the service's state, the caller's grace for it, the
 * service's planned outages) only when there is such a subscription. A lookup
 * that fails (the service was just removed, say) leaves that one out, and the
 * line falls back to "nothing announced yet".
 */
export async function fetchPendingReasons(
  ctx: CommandContext,
  callerId: string,
  snapshot: Snapshot,
): Promise<ReadonlyMap<string, string>> {
  const pending = snapshot.subscriptions.filter((s) => s.status === ServiceStatus.UNSPECIFIED).map((s) => s.serviceId);
  const reasons = new Map<string, string>();
  if (pending.length === 0) return reasons;
  const graces = new Map<string, number>();
  try {
    const { subscriptions } = await ctx.client.management.listSubscriptions({ callerId, serviceId: "" });
    for (const s of subscriptions) if (s.gracePeriod !== undefined) graces.set(s.serviceId, toMillis(s.gracePeriod));
  } catch {
    // Without graces the reasons still say what they can.
  }
  await Promise.all(
    pending.map(async (serviceId) => {
      try {
        const [{ service }, { outages }] = await Promise.all([
          ctx.client.management.getService({ serviceId }),
          ctx.client.management.listPlannedOutages({ serviceId }),
        ]);
        reasons.set(
          serviceId,
          pendingReason({ state: service?.state, gracePeriodMs: graces.get(serviceId), outages, now: ctx.now() }),
        );
      } catch {
        // Left out: see above.
      }
    }),
  );
  return reasons;
}
