import type { DescMethodUnary, DescService, MessageShape } from "@bufbuild/protobuf";
import { createClient, type CallOptions, type Transport } from "@connectrpc/connect";
import { convertRequest } from "./convert-request.js";
import type { RelaxedInitShape } from "./relaxed-init.js";

/**
 * A client of a service's unary RPCs that takes relaxed requests
 * ({@link RelaxedInitShape}: milliseconds for Durations, Dates or epoch
 * milliseconds for Timestamps) and answers with the generated messages.
 * Streaming RPCs are left out: they need more than a conversion.
 */
export type RelaxedClient<S extends DescService> = {
  [P in keyof S["method"] as S["method"][P] extends DescMethodUnary ? P : never]: S["method"][P] extends DescMethodUnary<infer I, infer O>
    ? (request?: RelaxedInitShape<I>, options?: CallOptions) => Promise<MessageShape<O>>
    : never;
};

/**
 * Builds a {@link RelaxedClient} from the service descriptor, so a new RPC in
 * the proto appears here with the next `buf generate`. A request that cannot
 * be converted rejects with INVALID_ARGUMENT before anything is sent.
 */
export function createRelaxedClient<S extends DescService>(service: S, transport: Transport): RelaxedClient<S> {
  const client = createClient(service, transport) as unknown as Record<string, (request: unknown, options?: CallOptions) => Promise<unknown>>;
  const relaxed: Record<string, (request?: unknown, options?: CallOptions) => Promise<unknown>> = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary") continue;
    const call = client[method.localName]!;
    relaxed[method.localName] = async (request, options) => call(convertRequest(method.input, request as never), options);
  }
  return relaxed as RelaxedClient<S>;
}
