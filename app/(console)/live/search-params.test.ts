import { describe, expect, it } from "vitest";
import { liveSearchString, parseLiveSearch } from "./search-params";

describe("live tail URL", () => {
  it("reads the server filters and reports a bad pattern", () => {
    expect(parseLiveSearch(new URLSearchParams("type=com.anumate.*&subject=s/1&tenant=acme"))).toEqual({
      search: { type: "com.anumate.*", subject: "s/1" },
      problems: {},
    });
    expect(parseLiveSearch(new URLSearchParams("type=com.>.x"))).toEqual({
      search: {},
      problems: { type: "'>' may only be the last token" },
    });
  });

  it("writes them back, keeping the tenant", () => {
    expect(liveSearchString(new URLSearchParams("tenant=acme&type=old"), { type: "a.>", subject: " " })).toBe(
      "?tenant=acme&type=a.%3E",
    );
    expect(liveSearchString(new URLSearchParams(""), {})).toBe("");
    expect(liveSearchString(new URLSearchParams("replay=job_1&tenant=a"), { type: "x" })).toBe("?tenant=a&type=x");
  });

  it("reads a replay to show instead of live events", () => {
    expect(parseLiveSearch(new URLSearchParams("replay=job_1"))).toEqual({ search: { replay: "job_1" }, problems: {} });
  });
});
