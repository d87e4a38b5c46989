import { describe, expect, it } from "vitest";
import { explorerSearchString, parseExplorerSearch } from "./search-params";

describe("explorer URL", () => {
  it("reads every filter", () => {
    const q = new URLSearchParams(
      "tenant=acme&type=a.*&subject=s&from=2025-03-14T09:26:53Z&to=2025-03-15T00:00:00%2B01:00&fromSeq=5&limit=100",
    );
    expect(parseExplorerSearch(q)).toEqual({
      search: {
        type: "a.*",
        subject: "s",
        from: "2025-03-14T09:26:53Z",
        to: "2025-03-15T00:00:00+01:00",
        fromSeq: 5,
        limit: 100,
      },
      problems: {},
    });
  });

  it("reports values that break a rule, by field, and leaves them out", () => {
    const q = new URLSearchParams("type=a*&from=yesterday&fromSeq=0&limit=5000");
    const r = parseExplorerSearch(q);
    expect(r.search).toEqual({});
    expect(Object.keys(r.problems).sort()).toEqual(["from", "fromSeq", "limit", "type"]);
    expect(parseExplorerSearch(new URLSearchParams("from=2025-03-15T00:00:00Z&to=2025-03-14T00:00:00Z")).problems).toEqual({
      to: "must not be before from",
    });
  });

  it("writes the filters back; the default page size is left out", () => {
    expect(explorerSearchString(new URLSearchParams("tenant=acme&fromSeq=9"), { type: "a.>", limit: 50 })).toBe(
      "?tenant=acme&type=a.%3E",
    );
    expect(explorerSearchString(new URLSearchParams(""), { fromSeq: 3, limit: 25 })).toBe("?fromSeq=3&limit=25");
  });
});
