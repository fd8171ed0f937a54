import { Code } from "@connectrpc/connect";

/** gRPC's spelling of a status code (NOT_FOUND), as grpcurl and the docs show it, not connect's (NotFound). */
export function grpcCodeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
