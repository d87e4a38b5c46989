/**
 * The closed set of error codes shared by the server and the console.
 * The HTTP edge maps each code to one status; the UI switches on the code, never the message.
 * @see ../shared/API.md "Conventions"
 */
export const ERROR_CODES = [
  "VALIDATION",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "UNAVAILABLE",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** One problem with the input: which field, which rule it broke, and (in a batch) which event. */
export interface ErrorDetail {
  field: string;
  rule: string;
  index?: number;
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

/** The one error type of the product. `retryAfterSec` is sent as `Retry-After` for 429 and 503. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly retryAfterSec: number | undefined;
  /** Extra response headers (e.g. RateLimit-*). */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: ErrorDetail[]; cause?: unknown; retryAfterSec?: number; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.details = opts.details;
    this.retryAfterSec = opts.retryAfterSec;
    this.headers = opts.headers;
  }

  toBody(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.details && this.details.length > 0) error.details = this.details;
    return { error };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Shorthand for a 400 naming one field and rule. */
export function validationError(field: string, rule: string, message?: string): AppError {
  return new AppError("VALIDATION", message ?? `${field}: ${rule}`, { details: [{ field, rule }] });
}
