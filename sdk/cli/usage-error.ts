/** A mistake in how the command was typed: reported with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
