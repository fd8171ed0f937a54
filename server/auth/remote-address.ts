import { Http2ServerRequest } from "node:http2";
import { createContextKey, type ContextValues } from "@connectrpc/connect";

/** The client's address, for log lines about refused calls; unset in the in-memory transport. */
export const remoteAddressKey = createContextKey<string | undefined>(undefined, { description: "the client's address" });

/** Adds the request's remote address to connect's context values. */
export function withRemoteAddress(values: ContextValues, req: unknown): ContextValues {
  if (!(req instanceof Http2ServerRequest)) return values;
  const address = req.socket?.remoteAddress;
  return address === undefined ? values : values.set(remoteAddressKey, address);
}
