import type { z } from "zod";
import { ERROR_CODES, type ErrorCode, type ErrorDetail } from "./errors";

/** An error answer from the API, with its code (the UI switches on `code`, never the message). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === "string" && (ERROR_CODES as readonly string[]).includes(v);
}

/**
 * Fetches JSON and parses it with `schema`. Non-2xx answers become `ApiError` (never an empty list);
 * an answer that does not match the schema is an error too. 503 from health still carries a body.
 */
export async function fetchJson<T extends z.ZodType>(
  url: string,
  schema: T,
  init?: RequestInit & { acceptStatuses?: number[] },
): Promise<z.infer<T>> {
  const res = await fetch(url, { ...init, headers: { accept: "application/json", ...init?.headers } });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok && !init?.acceptStatuses?.includes(res.status)) {
    const err = (body as { error?: { code?: unknown; message?: unknown; details?: ErrorDetail[] } } | undefined)?.error;
    throw new ApiError(
      res.status,
      isErrorCode(err?.code) ? err.code : res.status >= 500 ? "INTERNAL" : "VALIDATION",
      typeof err?.message === "string" ? err.message : `HTTP ${res.status}`,
      err?.details ?? [],
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(res.status, "INTERNAL", `Unexpected answer from ${url}: ${parsed.error.message}`);
  return parsed.data;
}
