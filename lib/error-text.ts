import { ApiError } from "./api-client";
import type { ErrorCode, ErrorDetail } from "./errors";

/** What the console says about an error: a title chosen by code (never by message), the API's message, details. */
export interface ErrorText {
  code: ErrorCode | "CLIENT";
  title: string;
  message: string;
  details: readonly ErrorDetail[];
  /** Whether trying again later may work (the UI offers a retry). */
  retryable: boolean;
}

const TITLES: Record<ErrorCode, string> = {
  VALIDATION: "The request was not valid",
  UNAUTHENTICATED: "Sign-in required",
  FORBIDDEN: "Not allowed",
  NOT_FOUND: "Not found",
  METHOD_NOT_ALLOWED: "Not supported",
  CONFLICT: "Conflict",
  PAYLOAD_TOO_LARGE: "Too large",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported content type",
  RATE_LIMITED: "Too many requests",
  UNAVAILABLE: "The bus is unavailable",
  INTERNAL: "Something went wrong on the server",
};

const RETRYABLE: ReadonlySet<ErrorCode> = new Set(["RATE_LIMITED", "UNAVAILABLE", "INTERNAL"]);

export function describeError(e: unknown): ErrorText {
  if (e instanceof ApiError) {
    return { code: e.code, title: TITLES[e.code], message: e.message, details: e.details, retryable: RETRYABLE.has(e.code) };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: "CLIENT", title: "Something went wrong in the console", message, details: [], retryable: false };
}
