import type { Duplex } from "node:stream";
import { AppError, type ErrorCode } from "../../../lib/errors";
import { RAW_API_HEADERS } from "./security-headers";

/**
 * Answers requests that Node's HTTP parser refuses before any handler runs (a malformed request
 * line or header, invalid characters, headers over `--max-http-header-size`, a request that was too
 * slow): with the API's JSON error shape and security headers instead of Node's bare
 * `400 Bad Request`, then closes the connection (the parser cannot resynchronise).
 */

interface ParserError extends Error {
  code?: string;
  reason?: string;
}

function classify(err: ParserError): { status: number; code: ErrorCode; message: string; rule: string } {
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        code: "PAYLOAD_TOO_LARGE",
        message: "The request headers are too large",
        rule: "must fit the server's header size limit",
      };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { status: 413, code: "PAYLOAD_TOO_LARGE", message: "The chunk extensions are too large", rule: "must be small" };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, code: "VALIDATION", message: "The request did not arrive in time", rule: "must arrive in time" };
    default: {
      const reason = typeof err.reason === "string" && err.reason.length > 0 ? `: ${err.reason}` : "";
      return {
        status: 400,
        code: "VALIDATION",
        message: `Malformed HTTP request (${err.code ?? "parse error"}${reason})`,
        rule: "must be a well-formed HTTP/1.1 request",
      };
    }
  }
}

const REASON: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
};

export function answerClientError(err: ParserError, socket: Duplex): void {
  // a reset peer cannot be answered; a response already under way on this socket must not be corrupted
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const c = classify(err);
  const body = JSON.stringify(new AppError(c.code, c.message, { details: [{ field: "request", rule: c.rule }] }).toBody());
  const headers = {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
    connection: "close",
    ...RAW_API_HEADERS,
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n");
  socket.end(`HTTP/1.1 ${c.status} ${REASON[c.status]}\r\n${head}\r\n\r\n${body}`);
}
