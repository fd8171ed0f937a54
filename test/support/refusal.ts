import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";

/** The ConnectError a call that must fail failed with; the test fails if it succeeded. */
export async function refusalOf(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

/** A refusal as "CODE_NAME: message", so code and message are checked in one assertion. */
export async function refusalText(call: Promise<unknown>): Promise<string> {
  const error = await refusalOf(call);
  return `${Code[error.code]}: ${error.rawMessage}`;
}

/** The message of a refusal that must carry `code`. */
export async function refusalMessage(call: Promise<unknown>, code: Code): Promise<string> {
  const error = await refusalOf(call);
  expect(Code[error.code]).toBe(Code[code]);
  return error.rawMessage;
}
