import type { DescMessage, Message, MessageInitShape } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { Duration, DurationSchema, Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";

/**
 * A `google.protobuf.Duration` field's value in a request: a number of
 * milliseconds (fractions down to nanoseconds are kept), or the message itself.
 */
export type DurationInput = number | MessageInitShape<typeof DurationSchema>;

/**
 * A `google.protobuf.Timestamp` field's value in a request: a `Date`, a number
 * of milliseconds since the Unix epoch, or the message itself.
 */
export type TimestampInput = Date | number | MessageInitShape<typeof TimestampSchema>;

/**
 * What a request may be given as: protobuf-es's `MessageInitShape` (a plain
 * object, every field optional), except that Duration and Timestamp fields, at
 * any depth, also take milliseconds and Dates. Spelling `{ seconds: 5n }` for
 * "5 seconds" is the most common mistake with the raw generated types.
 */
export type RelaxedInitShape<Desc extends DescMessage> =
  Desc extends GenMessage<infer Shape> ? RelaxedInit<Shape> : MessageInitShape<Desc>;

/** {@link RelaxedInitShape} of a message type (rather than of its descriptor). */
export type RelaxedInit<T extends Message> =
  | T
  | { [P in keyof T as P extends "$typeName" | "$unknown" ? never : P]?: RelaxedField<T[P]> };

/** Mirrors protobuf-es's FieldInit, with the well-known time types widened first. */
type RelaxedField<F> = F extends Duration
  ? DurationInput
  : F extends Timestamp
    ? TimestampInput
    : F extends Date | Uint8Array | bigint | boolean | string | number
      ? F
      : F extends Array<infer U>
        ? Array<RelaxedField<U>>
        : F extends ReadonlyArray<infer U>
          ? ReadonlyArray<RelaxedField<U>>
          : F extends Message
            ? RelaxedInit<F>
            : F extends { case: infer C extends string; value: infer V extends Message }
              ? { case: C; value: RelaxedInit<V> }
              : F extends { case: string | undefined; value?: unknown }
                ? F
                : F extends { [key: string | number]: infer V extends Message }
                  ? { [key: string | number]: RelaxedInit<V> }
                  : F;
