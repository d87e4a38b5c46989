import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { THEME_SCRIPT } from "../../../lib/theme";

/**
 * Security headers on every response of the custom server, API and console pages alike, set in one
 * place before the router or Next writes anything.
 *
 * - Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 *   `X-Frame-Options: DENY` (for browsers without CSP `frame-ancestors`).
 * - API responses (JSON, SSE, Prometheus text) are never documents: `default-src 'none';
 *   frame-ancestors 'none'`.
 * - Pages: a per-request nonce CSP. Next's App Router inlines its bootstrap and RSC payload scripts
 *   (`self.__next_f.push(…)`), so `script-src 'self'` alone would break hydration; rather than
 *   `'unsafe-inline'`, each page response gets a fresh nonce, which Next reads from the request's
 *   `Content-Security-Policy` header and puts on every script it renders (pages are therefore
 *   rendered per request: `dynamic = "force-dynamic"` in app/layout.tsx). The one script of our own,
 *   the theme script in `<head>` (lib/theme.ts), is allowed by its SHA-256 hash. Styles: the
 *   stylesheet is same-origin; `style` attributes (React's `style={{…}}` in server-rendered HTML:
 *   virtual lists, charts) need `style-src-attr 'unsafe-inline'`, while `<style>` elements stay
 *   limited to 'self' and the nonce. Development adds `'unsafe-eval'` (React Refresh).
 */

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

const THEME_HASH = `'sha256-${createHash("sha256").update(THEME_SCRIPT).digest("base64")}'`;

/** The CSP of a console page with this nonce. */
export function pageCsp(nonce: string, opts: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' ${THEME_HASH}${opts.dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const COMMON: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** The headers of a response written without a ServerResponse (e.g. to a socket on a parse error). */
export const RAW_API_HEADERS: Record<string, string> = { ...COMMON, "content-security-policy": API_CSP };

/**
 * Sets the headers for this request's response. For a page, also replaces the request's own
 * `Content-Security-Policy` header (Next takes the nonce from there; a client's header is never
 * trusted) and returns the nonce.
 */
export function applySecurityHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  isApi: boolean,
  opts: { dev?: boolean } = {},
): string | undefined {
  for (const [k, v] of Object.entries(COMMON)) res.setHeader(k, v);
  if (isApi) {
    res.setHeader("content-security-policy", API_CSP);
    return undefined;
  }
  const nonce = randomBytes(16).toString("base64");
  const csp = pageCsp(nonce, opts);
  res.setHeader("content-security-policy", csp);
  req.headers["content-security-policy"] = csp;
  delete req.headers["content-security-policy-report-only"];
  return nonce;
}
