import type { z } from "zod";
import { ERROR_CODES, type ErrorCode, type ErrorDetail, HTTP_STATUS } from "./errors";

/** An error answer from the API, with its code (the UI switches on `code`, never the message). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ApiError";
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === "string" && (ERROR_CODES as readonly string[]).includes(v);
}

/** The code of an answer without a usable error body (a proxy's page, an empty 404): read from its status. */
export function codeForStatus(status: number): ErrorCode {
  const exact = ERROR_CODES.find((c) => HTTP_STATUS[c] === status);
  if (exact) return exact;
  return status >= 500 ? "INTERNAL" : "VALIDATION";
}

/**
 * The one place requests get an `Authorization` header. The console signed in through
 * `/api/session` needs none (its httpOnly session cookie goes with every same-origin request,
 * `EventSource` included); a page that holds an API key instead sets a provider here and every
 * `fetchJson` call sends it.
 */
let bearerToken: () => string | undefined = () => undefined;

/** Sets where the API key comes from (e.g. the sign-in's storage). */
export function setAuthTokenProvider(provider: () => string | undefined): void {
  bearerToken = provider;
}

export function authHeaders(): Record<string, string> {
  const token = bearerToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Turns an error answer's body (`{"error": {code, message, details}}`) into an `ApiError`. */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const details = Array.isArray(err?.details)
    ? (err.details as unknown[]).filter(
        (d): d is ErrorDetail =>
          typeof d === "object" &&
          d !== null &&
          typeof (d as ErrorDetail).field === "string" &&
          typeof (d as ErrorDetail).rule === "string",
      )
    : [];
  return new ApiError(
    status,
    isErrorCode(err?.code) ? err.code : codeForStatus(status),
    typeof err?.message === "string" ? err.message : `HTTP ${status}`,
    details,
  );
}

/**
 * Fetches JSON and parses it with `schema`. Non-2xx answers become `ApiError` (never an empty list);
 * an answer that does not match the schema is an error too, and so is a network failure
 * (`UNAVAILABLE`, status 0). 503 from health still carries a body: pass `acceptStatuses`.
 */
export async function fetchJson<T extends z.ZodType>(
  url: string,
  schema: T,
  init?: RequestInit & { acceptStatuses?: number[] },
): Promise<z.infer<T>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { accept: "application/json", ...authHeaders(), ...init?.headers } });
  } catch (e) {
    // an abort stays an abort (react-query cancels queries this way)
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "UNAVAILABLE", "The API could not be reached", [], { cause: e });
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok && !init?.acceptStatuses?.includes(res.status)) throw apiErrorFrom(res.status, body);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(res.status, "INTERNAL", `Unexpected answer from ${url}: ${parsed.error.message}`);
  return parsed.data;
}

/** A JSON request body with its content type (default `application/json`). */
export function jsonBody(
  method: "POST" | "PATCH" | "PUT" | "DELETE",
  body: unknown,
  contentType = "application/json",
): RequestInit {
  return { method, headers: { "content-type": contentType }, body: JSON.stringify(body) };
}
