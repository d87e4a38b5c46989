import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Security headers on every response of the custom server, API and console pages alike, set in one
 * place before the router or Next writes anything.
 *
 * - Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
 *   `X-Frame-Options: DENY` (for browsers without CSP `frame-ancestors`).
 * - API responses (JSON, SSE, Prometheus text) are never documents: `default-src 'none';
 *   frame-ancestors 'none'`.
 * - Pages: everything from the console's own origin only, no plugins, no framing, no foreign form
 *   targets or base URL, no `eval`. Scripts need `'unsafe-inline'`: Next's App Router inlines its
 *   bootstrap and RSC payload (`self.__next_f.push(…)`) and the theme script runs inline before the
 *   first paint. A per-request nonce was tried (Next reads it from the request's CSP header): it
 *   forces every page to render per request, and with the theme script in `<head>` React reports a
 *   hydration mismatch (#418) on pages that stream a Suspense boundary — so the pages stay static and
 *   the policy relies on React's escaping for inline injection, and on every other directive for the
 *   rest (an injected script cannot load code from elsewhere, call `eval`, post forms or exfiltrate
 *   with `fetch` to another origin). `style` attributes of server-rendered HTML (React
 *   `style={{…}}`) need `style-src-attr 'unsafe-inline'`; `<style>` elements stay same-origin.
 *   Development adds `'unsafe-eval'` (React Refresh) and inline `<style>` (the error overlay).
 */

export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The CSP of a console page. */
export function pageCsp(opts: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${opts.dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self'${opts.dev ? " 'unsafe-inline'" : ""}`,
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

const PAGE_CSP = pageCsp();
const DEV_PAGE_CSP = pageCsp({ dev: true });

const COMMON: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** The headers of a response written without a ServerResponse (e.g. to a socket on a parse error). */
export const RAW_API_HEADERS: Record<string, string> = { ...COMMON, "content-security-policy": API_CSP };

/** Sets the headers for this request's response. */
export function applySecurityHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  isApi: boolean,
  opts: { dev?: boolean } = {},
): void {
  for (const [k, v] of Object.entries(COMMON)) res.setHeader(k, v);
  if (isApi) {
    res.setHeader("content-security-policy", API_CSP);
    return;
  }
  res.setHeader("content-security-policy", opts.dev ? DEV_PAGE_CSP : PAGE_CSP);
  // Next takes a script nonce from the request's own CSP header: never let a client choose one
  delete req.headers["content-security-policy"];
  delete req.headers["content-security-policy-report-only"];
}
