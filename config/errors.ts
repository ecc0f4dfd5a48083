/** Bad input the user can fix (an unknown environment, a bad value or argument): one line, exit 2. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A check that ran and failed (a stale dist/, a finding): one line, exit 1. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
  }
}
