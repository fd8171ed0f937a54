import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { withBearerToken, type TokenSource } from "./bearer-token.js";
import { createNodeTransport, type TransportSettings } from "./create-node-transport.js";
import { ManagementService } from "./gen/monitor/v1/management_service_pb.js";
import { WatchService } from "./gen/monitor/v1/watch_service_pb.js";
import { createRelaxedClient, type RelaxedClient } from "./relaxed-client.js";
import { createResumingWatch, type ResumingWatch, type WatchOptions } from "./resuming-watch.js";
import { sleep } from "./sleep.js";

/**
 * Every ManagementService RPC, taking relaxed requests: milliseconds for
 * Durations, Dates or epoch ms for Timestamps, enum values by name. The
 * history RPCs too: `listCheckResults({ serviceId, startTime: new Date(...),
 * statusFilter: ["down"] })`, `getServiceStats({ serviceId, window: 3_600_000 })`,
 * `listStatusChanges({ serviceId })`.
 */
export type ManagementClient = RelaxedClient<typeof ManagementService>;

/**
 * Where the monitor is and how to reach it: a `baseUrl` such as
 * `http://127.0.0.1:50051` or `https://monitor.internal:50051` with a
 * protocol ("grpc" unless told otherwise), `tls` for a private CA or a client
 * certificate, and any connect-node transport option (interceptors,
 * pingIntervalMs, nodeOptions …); or a ready `transport` (e.g. connect's
 * router transport in tests), used as it is. Either way `token`, when given,
 * goes with every call as `authorization: Bearer <token>`.
 */
export type MonitorClientOptions = (
  | ({ readonly baseUrl: string; readonly transport?: undefined } & TransportSettings)
  | { readonly transport: Transport; readonly baseUrl?: string }
) & {
  /**
   * An admin token (for management) or a caller's own token (for its watch
   * and its subscriptions); a function is asked again before every call and
   * every reconnect of a watch, so a rotated token is picked up. Over
   * `http://` to anything but loopback the token crosses the network in the
   * clear, readable and replayable by anyone on the path: use `https://`.
   */
  readonly token?: TokenSource;
};

/** A client of the service monitor: see {@link createMonitorClient}. */
export interface MonitorClient {
  /** The ManagementService RPCs: services, callers, subscriptions, planned outages, check history and stats. */
  readonly management: ManagementClient;
  /**
   * The caller's notifications as an async iterable that reconnects and
   * resumes by itself, yielding every event exactly once, in order:
   *
   * - Starting from 0 (the default), first a `snapshot`: the status last
   *   announced for each subscription, with `sequence` = the last event it
   *   reflects. Then `statusChange`, `subscriptionEnded`, `servicePaused`,
   *   `serviceResumed`, `availabilityAlert` and `availabilityRecovered` (for
   *   subscriptions with an `availabilityAlertRule`) events, and any kind
   *   added later, each with the next sequence.
   * - A `snapshot` with `resync: true` means events were lost (the server no
   *   longer holds those after `afterSequence`): the consumer must replace
   *   its state with it, not merge it.
   * - Connection loss, server restarts, UNAVAILABLE, RESOURCE_EXHAUSTED
   *   (a consumer too slow for the server's buffer) and the like are retried
   *   with backoff and never reach the consumer (see `onReconnect`). An error
   *   retrying cannot fix — NOT_FOUND for an unknown caller, INVALID_ARGUMENT,
   *   PERMISSION_DENIED, UNAUTHENTICATED, … — is thrown as a ConnectError from
   *   the loop.
   * - `break`, `return()`, the `signal` or `close()` end it at once, closing
   *   the stream on the server.
   *
   * To resume across restarts of the consumer itself, save the `sequence`
   * of the last event handled and pass it as `afterSequence`.
   *
   * @throws ConnectError (INVALID_ARGUMENT), at once, for a bad afterSequence or backoff.
   */
  watch(callerId: string, options?: WatchOptions): ResumingWatch;
  /**
   * Ends every open watch and, if the client made its own connection, closes
   * it. Calls made afterwards open a new connection.
   */
  close(): void;
}

/**
 * Creates a client of the monitor's API.
 *
 * @example
 * const monitor = createMonitorClient({ baseUrl: "http://127.0.0.1:50051" });
 * const { service } = await monitor.management.registerService({ host: "db.internal", port: 5432, checkInterval: 10_000 });
 * for await (const event of monitor.watch("ops-bot")) console.log(event.sequence, event.event.case);
 */
export function createMonitorClient(options: MonitorClientOptions): MonitorClient {
  const { token, ...rest } = options;
  const { transport: plain, ownedSession } =
    rest.transport === undefined
      ? createNodeTransport(rest.baseUrl, rest)
      : { transport: rest.transport, ownedSession: undefined };
  const transport = token === undefined ? plain : withBearerToken(plain, token);
  const watchClient = createClient(WatchService, transport);
  let closed = new AbortController();
  return {
    management: createRelaxedClient(ManagementService, transport),
    watch: (callerId, watchOptions) =>
      createResumingWatch(
        {
          openStream: (request, signal) => watchClient.watch(request, { signal }),
          sleep,
          random: Math.random,
          closed: closed.signal,
        },
        callerId,
        watchOptions,
      ),
    close() {
      closed.abort(new ConnectError("the monitor client was closed", Code.Canceled));
      closed = new AbortController();
      ownedSession?.abort();
    },
  };
}
