import { ManagementService, type ListSubscriptionsRequest } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService, type WatchRequest } from "@service-monitor/sdk/gen/monitor/v1/watch_service_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import * as reflectionV1 from "../gen/grpc/reflection/v1/reflection_pb.js";
import * as reflectionV1alpha from "../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { quoteInput } from "../domain/quote-input.js";
import type { Principal } from "./principal.js";

/**
 * Who may call an RPC when auth is on:
 * - `open`: anyone, no token needed (health, reflection);
 * - `admin`: an admin token;
 * - `admin_or_own_caller`: an admin token, or the token of the caller the
 *   request's `caller_id` names.
 */
export type RpcPolicy =
  | { readonly kind: "open" }
  | { readonly kind: "admin" }
  | { readonly kind: "admin_or_own_caller"; readonly callerIdOf: (request: unknown) => string };

const OPEN: RpcPolicy = { kind: "open" };
const ADMIN: RpcPolicy = { kind: "admin" };
const ownCaller = <R extends { callerId: string }>(): RpcPolicy => ({
  kind: "admin_or_own_caller",
  callerIdOf: (request) => (request as R | undefined)?.callerId ?? "",
});

type MethodsOf<S extends { method: object }> = { readonly [K in keyof S["method"]]: RpcPolicy };

/** Every ManagementService RPC; typed from the descriptor, so a new RPC does not compile without a policy. */
const MANAGEMENT: MethodsOf<typeof ManagementService> = {
  registerService: ADMIN,
  getService: ADMIN,
  listServices: ADMIN,
  updateService: ADMIN,
  pauseService: ADMIN,
  resumeService: ADMIN,
  unregisterService: ADMIN,
  registerCaller: ADMIN,
  rotateCallerToken: ADMIN,
  unregisterCaller: ADMIN,
  listCallers: ADMIN,
  subscribe: ADMIN,
  unsubscribe: ADMIN,
  // A caller may see what it is subscribed to, and nothing else.
  listSubscriptions: ownCaller<ListSubscriptionsRequest>(),
  schedulePlannedOutage: ADMIN,
  cancelPlannedOutage: ADMIN,
  listPlannedOutages: ADMIN,
  listCheckResults: ADMIN,
  getServiceStats: ADMIN,
  listStatusChanges: ADMIN,
};

const WATCH: MethodsOf<typeof WatchService> = { watch: ownCaller<WatchRequest>() };

/** By service type name, then method local name. */
const POLICIES: ReadonlyMap<string, Readonly<Record<string, RpcPolicy>>> = new Map<string, Readonly<Record<string, RpcPolicy>>>([
  [ManagementService.typeName, MANAGEMENT],
  [WatchService.typeName, WATCH],
  // Load balancers and orchestrators probe health without credentials.
  [Health.typeName, { check: OPEN, watch: OPEN }],
  // Reflection tells only the schema, which is public; --no-reflection turns it off.
  [reflectionV1.ServerReflection.typeName, { serverReflectionInfo: OPEN }],
  [reflectionV1alpha.ServerReflection.typeName, { serverReflectionInfo: OPEN }],
]);

/** The policy of an RPC; an RPC missing from the table needs an admin token (fail closed). */
export function policyFor(serviceTypeName: string, methodLocalName: string): RpcPolicy {
  return POLICIES.get(serviceTypeName)?.[methodLocalName] ?? ADMIN;
}

/**
 * Whether `principal` may make this call: undefined when it may, else the
 * PERMISSION_DENIED message (it names the RPC and, for a caller token, the
 * caller_id field).
 */
export function authorise(policy: RpcPolicy, principal: Principal, request: unknown, rpcName: string): string | undefined {
  if (policy.kind === "open" || principal.kind !== "caller") return undefined;
  if (policy.kind === "admin") {
    return `${rpcName} needs an admin token; a caller token may only Watch its own caller and list its own subscriptions`;
  }
  const callerId = policy.callerIdOf(request);
  if (callerId === principal.callerId) return undefined;
  return callerId === ""
    ? `${rpcName}: caller_id must be set to the caller this token belongs to`
    : `${rpcName}: caller_id ${quoteInput(callerId)} is not the caller this token belongs to`;
}
