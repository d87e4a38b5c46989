import { expect, type Page, test } from "@playwright/test";
import { ConsoleFrame } from "./pages/frame";

/**
 * Console security headers: every page carries the console CSP (same origin only, no eval, no
 * framing, no plugins) and the other headers, and still renders and hydrates with no CSP violation
 * and no console error. The policy is in server/transport/http/security-headers.ts.
 */

const PAGES = ["/", "/live", "/explorer", "/subscriptions", "/dead-letters", "/tenants", "/audit", "/keys", "/publish"];

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

/** Records CSP violations (the listener is installed before any page script runs) and console errors. */
async function watch(page: Page): Promise<{ consoleErrors: string[] }> {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations?.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  const consoleErrors: string[] = [];
  const where = () => new URL(page.url()).pathname;
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(`${where()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`${where()}: pageerror: ${e.message}`));
  return { consoleErrors };
}

const violations = (page: Page) => page.evaluate(() => window.__cspViolations ?? []);

test.describe("console security headers", () => {
  test("every page carries the console policy and the other headers, renders, hydrates, with no violation", async ({ page }) => {
    const { consoleErrors } = await watch(page);
    const frame = new ConsoleFrame(page);
    for (const path of PAGES) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(200);
      const h = res?.headers() ?? {};
      const csp = h["content-security-policy"] ?? "";
      expect(csp, path).toMatch(/(^|; )default-src 'self'(;|$)/);
      expect(csp, path).toMatch(/(^|; )script-src 'self' 'unsafe-inline'(;|$)/); // no 'unsafe-eval', no other origin
      expect(csp, path).toMatch(/(^|; )connect-src 'self'(;|$)/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).toContain("base-uri 'self'");
      expect(csp, path).toContain("form-action 'self'");
      expect(h["x-frame-options"], path).toBe("DENY");
      expect(h["x-content-type-options"], path).toBe("nosniff");
      expect(h["referrer-policy"], path).toBe("no-referrer");
      await expect(page.getByRole("heading", { level: 1 }), path).toBeVisible();
      // hydrated: the client fetched health and drew the badge
      await expect(frame.healthBadge("nats"), path).toHaveAttribute("data-state", "connected");
      expect(await violations(page), path).toEqual([]);
    }
    // client-side navigation (RSC requests) keeps working under the policy
    await page.goto("/");
    await frame.navLink("Explorer").click();
    await expect(page).toHaveURL(/\/explorer$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Explorer");
    expect(await violations(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  test("the policy refuses eval, scripts from elsewhere and plugins; the theme script still applies", async ({ page }) => {
    await watch(page);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto("/");
    // the inline theme script in <head> ran: dark class before hydration
    await expect(page.locator("html")).toHaveClass(/dark/);
    expect(await violations(page)).toEqual([]);
    // run later, from the page's own timer: code run by page.evaluate (DevTools) may call eval whatever the policy says
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent =
        'setTimeout(function () { try { eval("1 + 1"); document.documentElement.dataset.evalProbe = "ran"; } catch (e) { document.documentElement.dataset.evalProbe = e.name; } }, 0);';
      document.body.appendChild(s);
    });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.evalProbe ?? "")).not.toBe("");
    const evalResult = await page.evaluate(() => document.documentElement.dataset.evalProbe);
    expect(evalResult).toBe("EvalError");
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.src = "https://evil.example/x.js";
      document.body.appendChild(s);
      const o = document.createElement("object");
      o.data = "/icon.svg";
      document.body.appendChild(o);
    });
    await expect
      .poll(async () => (await violations(page)).join("\n"))
      .toMatch(
        /script-src(-elem)? blocked https:\/\/evil\.example\/x\.js[\s\S]*object-src blocked|object-src blocked[\s\S]*script-src(-elem)? blocked https:\/\/evil\.example/,
      );
  });

  test("a client cannot give Next a script nonce through its own CSP request header", async ({ request }) => {
    const res = await request.get("/", { headers: { "content-security-policy": "script-src 'nonce-attackerchosen1234567890'" } });
    expect(res.status()).toBe(200);
    expect(res.headers()["content-security-policy"]).not.toContain("attackerchosen");
    expect(await res.text()).not.toContain("attackerchosen");
  });

  test("API answers carry the restrictive API policy", async ({ request }) => {
    for (const path of ["/api/health", "/api/events?limit=1", "/api/nope"]) {
      const res = await request.get(path);
      const h = res.headers();
      expect(h["content-security-policy"], path).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(h["x-content-type-options"], path).toBe("nosniff");
      expect(h["x-frame-options"], path).toBe("DENY");
      expect(h["referrer-policy"], path).toBe("no-referrer");
    }
  });
});
