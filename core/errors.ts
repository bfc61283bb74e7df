/**
 * The one error type handlers throw. Each cloud renders it in its own wire shape
 * (EC2 XML, GCP JSON, ARM JSON, ...); core never formats it.
 */
export class CloudError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Cloud-specific extras a renderer may use (e.g. a Retry-After hint). */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'CloudError';
  }
}

/** Raised by core helpers (pagination, filters) and translated by each cloud into its own code. */
export class CoreInputError extends Error {
  constructor(
    readonly kind: 'invalid-token' | 'invalid-filter' | 'invalid-value',
    message: string,
    readonly subject: string,
  ) {
    super(message);
    this.name = 'CoreInputError';
  }
}
