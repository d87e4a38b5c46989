import { expect, type Page, test } from "@playwright/test";
import { ConsoleFrame } from "./pages/frame";

/**
 * Console security headers: every page carries a nonce CSP (no 'unsafe-inline' scripts), framing is
 * refused, and each page still renders and hydrates with no CSP violation and no console error.
 */

const PAGES = ["/", "/live", "/explorer", "/subscriptions", "/dead-letters", "/tenants", "/audit", "/publish"];

declare global {
  interface Window {
    __cspViolations?: string[];
    __injected?: boolean;
  }
}

/** Records CSP violations (the listener is installed before any page script runs) and console errors. */
async function watch(page: Page): Promise<{ consoleErrors: string[] }> {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations?.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return { consoleErrors };
}

const violations = (page: Page) => page.evaluate(() => window.__cspViolations ?? []);

test.describe("console security headers", () => {
  test("every page carries a nonce CSP and the other headers, renders, hydrates, with no violation", async ({ page }) => {
    const { consoleErrors } = await watch(page);
    const frame = new ConsoleFrame(page);
    const nonces = new Set<string>();
    for (const path of PAGES) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(200);
      const h = res?.headers() ?? {};
      const csp = h["content-security-policy"] ?? "";
      expect(csp, path).toMatch(/(^|; )default-src 'self'(;|$)/);
      expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'sha256-/);
      expect(csp, path).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(h["x-frame-options"], path).toBe("DENY");
      expect(h["x-content-type-options"], path).toBe("nosniff");
      expect(h["referrer-policy"], path).toBe("no-referrer");
      nonces.add(/'nonce-([^']+)'/.exec(csp)?.[1] ?? "");
      // Next put the nonce on its inline bootstrap scripts
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? "";
      expect(await page.locator(`script[nonce]`).count(), path).toBeGreaterThan(0);
      expect(await page.evaluate(() => [...document.scripts].filter((s) => !s.src && s.nonce === "").length), path).toBeLessThanOrEqual(
        1, // the theme script, allowed by its hash
      );
      expect(nonce.length, path).toBeGreaterThan(0);
      await expect(page.getByRole("heading", { level: 1 }), path).toBeVisible();
      // hydrated: the client fetched health and drew the badge
      await expect(frame.healthBadge("nats"), path).toHaveAttribute("data-state", "connected");
      expect(await violations(page), path).toEqual([]);
    }
    expect(nonces.size).toBe(PAGES.length); // a fresh nonce per response
    // client-side navigation (RSC requests) keeps working under the policy
    await page.goto("/");
    await frame.navLink("Explorer").click();
    await expect(page).toHaveURL(/\/explorer$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Explorer");
    expect(await violations(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  test("the policy blocks an injected inline script and the theme script still applies", async ({ page }) => {
    await watch(page);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto("/");
    // the theme script in <head> ran (allowed by its hash): dark class before hydration
    await expect(page.locator("html")).toHaveClass(/dark/);
    expect(await violations(page)).toEqual([]);
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__injected = true";
      document.body.appendChild(s);
    });
    await expect.poll(() => violations(page)).toEqual([expect.stringMatching(/^script-src(-elem)? blocked inline/)]);
    expect(await page.evaluate(() => window.__injected === true)).toBe(false);
  });

  test("a client cannot choose the nonce by sending its own CSP request header", async ({ request }) => {
    const res = await request.get("/", { headers: { "content-security-policy": "script-src 'nonce-attackerchosen1234567890'" } });
    expect(res.status()).toBe(200);
    expect(res.headers()["content-security-policy"]).not.toContain("attackerchosen");
    expect(await res.text()).not.toContain('nonce="attackerchosen');
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
