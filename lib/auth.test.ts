import { describe, expect, it } from "vitest";
import { identityOf, needsSignIn, safeNext, signInHref } from "./auth";

describe("sign-in redirects", () => {
  it("goes back only to a path of this console", () => {
    expect(safeNext("/dead-letters?tenant=acme")).toBe("/dead-letters?tenant=acme");
    expect(safeNext("/live#x")).toBe("/live#x");
    for (const bad of [
      null,
      undefined,
      "",
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "javascript:alert(1)",
    ])
      expect(safeNext(bad)).toBe("/");
    // never back to the sign-in page itself
    expect(safeNext("/sign-in?next=/keys")).toBe("/");
  });

  it("builds the sign-in link with where to come back and why", () => {
    expect(signInHref("/keys?tenant=a", "expired")).toBe("/sign-in?next=%2Fkeys%3Ftenant%3Da&reason=expired");
    expect(signInHref("/")).toBe("/sign-in");
    expect(signInHref("/", "signed-out")).toBe("/sign-in?reason=signed-out");
  });
});

describe("who is signed in", () => {
  it("describes the caller, its tenant scope and roles", () => {
    expect(
      identityOf({ authenticated: true, authDisabled: false, caller: "key:k1", tenants: ["acme"], roles: ["operator"] }),
    ).toEqual({
      caller: "key:k1",
      scope: "tenant acme",
      roles: ["operator"],
      isAdmin: false,
    });
    expect(
      identityOf({ authenticated: true, authDisabled: false, caller: "admin", tenants: "*", roles: ["admin"] }),
    ).toMatchObject({
      scope: "all tenants",
      isAdmin: true,
    });
    expect(identityOf({ authenticated: true, authDisabled: false, caller: "k", tenants: ["a", "b"], roles: [] })?.scope).toBe(
      "tenants a, b",
    );
    expect(identityOf({ authenticated: true, authDisabled: true, tenants: "*", roles: ["admin"] })?.caller).toBe(
      "anyone (auth off)",
    );
    expect(identityOf({ authenticated: false, authDisabled: false })).toBeUndefined();
  });

  it("sends to the sign-in page only when nobody is signed in and auth is on", () => {
    expect(needsSignIn(undefined)).toBe(false);
    expect(needsSignIn({ authenticated: false, authDisabled: false })).toBe(true);
    expect(needsSignIn({ authenticated: false, authDisabled: true })).toBe(false);
    expect(needsSignIn({ authenticated: true, authDisabled: false })).toBe(false);
  });
});
