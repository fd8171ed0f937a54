import type { DescEnum } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describeValue } from "./describe-value.js";

/**
 * An enum field's value from its number or its name, so a program (or a
 * command line) can write `statusFilter: "paused"` instead of importing
 * `ServiceStatusFilter.PAUSED`. A name matches, ignoring case, the value's
 * proto name (`SERVICE_STATUS_FILTER_PAUSED`) or that name without the
 * enum's shared prefix (`PAUSED`, as in the generated TypeScript enum).
 * Numbers pass through unchanged: the server checks them, and an open enum
 * may carry values this SDK does not know yet.
 *
 * @throws ConnectError (INVALID_ARGUMENT) naming `field` for an unknown name or a value of another type.
 */
export function enumFromInput(schema: DescEnum, value: unknown, field: string): unknown {
  if (typeof value === "number" || value === undefined) return value;
  if (typeof value === "string") {
    const wanted = value.toUpperCase();
    const found = schema.values.find((v) => v.name === wanted || v.localName === wanted);
    if (found !== undefined) return found.number;
  }
  // The unspecified value (number 0) is the default; naming it is rarely meant, so it is not offered.
  const names = schema.values.filter((v) => v.number !== 0).map((v) => v.localName.toLowerCase());
  throw new ConnectError(
    `${field}: expected one of ${names.join(", ")} (or a ${schema.name} number), got ${describeValue(value)}`,
    Code.InvalidArgument,
  );
}
