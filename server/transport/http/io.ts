import type { IncomingMessage, ServerResponse } from "node:http";
import type { ZodError } from "zod";
import { TRACEPARENT } from "../../../lib/contracts/ids";
import { AppError, type ErrorDetail, HTTP_STATUS, isAppError } from "../../../lib/errors";
import type { Ctx } from "../../core/context";

/** Reads the body, refusing (413) as soon as it passes `limit` bytes — never buffering more. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit} bytes`, {
      details: [{ field: "body", rule: `must be at most ${limit} bytes` }],
    });
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (c: Buffer) => {
      total += c.length;
      if (total > limit) {
        cleanup();
        req.resume(); // discard the rest; the answer closes the connection
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(
        new AppError("VALIDATION", "The request body could not be read", {
          cause: e,
          details: [{ field: "body", rule: "must arrive complete" }],
        }),
      );
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(payload);
}

/** Maps any error to the API's error shape. Unknown errors are 500 and logged; their text is not sent. */
export function sendError(res: ServerResponse, err: unknown, log: (e: unknown) => void): void {
  const e = isAppError(err) ? err : new AppError("INTERNAL", "Internal error", { cause: err });
  if (e.code === "INTERNAL") log(err);
  const headers: Record<string, string> = { ...e.headers };
  if (e.retryAfterSec !== undefined) headers["retry-after"] = String(e.retryAfterSec);
  if (e.code === "PAYLOAD_TOO_LARGE") headers.connection = "close"; // the unread rest of the body is discarded
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, HTTP_STATUS[e.code], e.toBody(), headers);
}

/** Zod issues as error details (`field` is the dotted path). */
export function zodDetails(err: ZodError, prefix = ""): ErrorDetail[] {
  // a prefix names the value itself (e.g. "seq" for a path parameter): an issue at its root is that field, not "seqbody"
  return err.issues.map((i) => ({
    field: i.path.length > 0 ? prefix + i.path.join(".") : prefix.replace(/\.$/, "") || "body",
    rule: i.message,
  }));
}

export function validation(err: ZodError, message: string, prefix = ""): AppError {
  return new AppError("VALIDATION", message, { details: zodDetails(err, prefix), cause: err });
}

/** The W3C trace context of a request, when its `traceparent` header is valid. */
export function traceOf(req: IncomingMessage): Ctx["trace"] {
  const tp = req.headers.traceparent;
  const ts = req.headers.tracestate;
  if (typeof tp !== "string" || !TRACEPARENT.test(tp)) return undefined;
  return { traceparent: tp, ...(typeof ts === "string" && ts.length > 0 ? { tracestate: ts } : {}) };
}
