/**
 * A mistake in how the command was called (unknown flag, bad value, missing argument). The
 * dispatcher prints its message and the command's usage and exits with code 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  /** @param command the command whose usage to print, or undefined for the top-level usage. */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}
