/** A problem with how Plimsoll was started (arguments, configuration, input framing): exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
