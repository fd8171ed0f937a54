import { ManagementService } from "@service-monitor/sdk/gen/monitor/v1/management_service_pb.js";

type MethodsOf<S extends { method: object }> = { readonly [K in keyof S["method"]]: boolean };

/**
 * Which ManagementService RPCs change something (true): those the mutation
 * rate counts. Typed from the descriptor, so a new RPC does not compile
 * until it is classified. Reads, Watch, health and reflection are never
 * counted: they write nothing.
 */
const MANAGEMENT: MethodsOf<typeof ManagementService> = {
  registerService: true,
  getService: false,
  listServices: false,
  updateService: true,
  pauseService: true,
  resumeService: true,
  unregisterService: true,
  registerCaller: true,
  rotateCallerToken: true,
  unregisterCaller: true,
  listCallers: false,
  subscribe: true,
  unsubscribe: true,
  listSubscriptions: false,
  schedulePlannedOutage: true,
  cancelPlannedOutage: true,
  listPlannedOutages: false,
  listCheckResults: false,
  getServiceStats: false,
  listStatusChanges: false,
};

/** Whether the RPC (service type name, method local name) is a mutation. */
export function isMutatingRpc(serviceTypeName: string, methodLocalName: string): boolean {
  return serviceTypeName === ManagementService.typeName && (MANAGEMENT as Readonly<Record<string, boolean>>)[methodLocalName] === true;
}
