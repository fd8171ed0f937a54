import type { DescMessage, Message, MessageInitShape } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import type { Duration, DurationSchema, FieldMask, Timestamp, TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { FieldMaskInput } from "./field-mask-from-input.js";
import type { StatusRange } from "./gen/monitor/v1/resources_pb.js";

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
 * object, every field optional), widened at any depth: Duration and Timestamp
 * fields also take milliseconds and Dates (spelling `{ seconds: 5n }` for
 * "5 seconds" is the most common mistake with the raw generated types); a
 * oneof member may be set by its own name (`{ http: { url } }` rather than
 * `{ probe: { case: "http", value: { url } } }`); enum fields take a value's
 * name (`statusFilter: "paused"`); bytes fields a string (UTF-8); a FieldMask
 * an array of paths; a list of StatusRange a string such as "200-299,304".
 */
export type RelaxedInitShape<Desc extends DescMessage> =
  Desc extends GenMessage<infer Shape> ? RelaxedInit<Shape> : MessageInitShape<Desc>;

/** {@link RelaxedInitShape} of a message type (rather than of its descriptor). */
export type RelaxedInit<T extends Message> =
  | T
  | ({ [P in keyof T as P extends "$typeName" | "$unknown" ? never : P]?: RelaxedField<T[P]> } & OneofShortcuts<T>);

/** The set members of T's oneofs: `{ case: "http"; value: HttpProbe }` | … */
type OneofCase<V> = V extends { case: string; value: unknown } ? V : never;

/** One optional key per oneof member, named as the member: `http?: RelaxedInit<HttpProbe>`. */
type OneofShortcuts<T> = {
  [M in { [P in keyof T]-?: OneofCase<T[P]> }[keyof T] as M["case"]]?: RelaxedField<M["value"]>;
};

/**
 * An enum member's type also takes a name; a plain number stays a number.
 * (A numeric enum's members print as fixed strings, "0" | "1", a number as any.)
 */
type EnumOrName<F extends number> = `${number}` extends `${F}` ? F : F | string;

/** Mirrors protobuf-es's FieldInit, with the well-known types and the forms above widened first. */
type RelaxedField<F> = F extends Duration
  ? DurationInput
  : F extends Timestamp
    ? TimestampInput
    : F extends FieldMask
      ? FieldMaskInput
      : F extends StatusRange[]
        ? Array<RelaxedInit<StatusRange>> | string
        : F extends Uint8Array
          ? F | string
          : F extends number
            ? EnumOrName<F>
            : F extends Date | bigint | boolean | string
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
