import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema, type FieldMask } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describeValue } from "./describe-value.js";

/**
 * A `google.protobuf.FieldMask` field's value in a request: the paths as an
 * array (`["display_name", "http.url"]`), or the message itself.
 */
export type FieldMaskInput = readonly string[] | { readonly paths?: readonly string[] };

/**
 * A FieldMask from a list of paths. Each path may be written in proto names
 * (`check_interval`, `http.accepted_statuses`) or in the lowerCamelCase of
 * the TypeScript fields and of protobuf JSON (`checkInterval`,
 * `http.acceptedStatuses`); on the wire a mask holds proto names, so camel
 * case is turned into them here. A message or `{ paths }` object is taken the
 * same way.
 *
 * @throws ConnectError (INVALID_ARGUMENT) naming `field` for anything but an array of non-empty strings.
 */
export function fieldMaskFromInput(value: unknown, field: string): FieldMask | undefined {
  if (value === undefined) return undefined;
  const paths = Array.isArray(value) ? (value as unknown[]) : typeof value === "object" && value !== null ? (value as { paths?: unknown }).paths ?? [] : value;
  if (!Array.isArray(paths)) {
    throw new ConnectError(`${field}: expected an array of field paths (e.g. ["display_name"]), got ${describeValue(value)}`, Code.InvalidArgument);
  }
  return create(FieldMaskSchema, {
    paths: paths.map((path: unknown, i) => {
      if (typeof path !== "string" || path === "") {
        throw new ConnectError(`${field}[${i}]: expected a field path such as "display_name", got ${describeValue(path)}`, Code.InvalidArgument);
      }
      return path.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    }),
  });
}
