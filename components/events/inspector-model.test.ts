import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { CloudEventJson } from "@/lib/contracts/events";
import { curlCommand, eventJson, eventParts, isJsonType, shellQuote } from "./inspector-model";

const event: CloudEventJson = {
  specversion: "1.0",
  id: "c-1",
  source: "/capsule-registry",
  type: "com.anumate.capsule.created",
  time: "2025-03-14T09:26:53Z",
  subject: "cap_1",
  datacontenttype: "application/json",
  tenantid: "acme",
  correlationid: "corr-1",
  attempt: 2,
  data: { capsuleId: "cap_1", note: "it's" },
};

describe("eventParts", () => {
  it("separates spec attributes (in spec order), extensions (by name) and data", () => {
    const p = eventParts(event);
    expect(p.attributes.map(([k]) => k)).toEqual(["specversion", "id", "source", "type", "datacontenttype", "subject", "time"]);
    expect(p.extensions).toEqual([
      ["attempt", "2"],
      ["correlationid", "corr-1"],
      ["tenantid", "acme"],
    ]);
    expect(p.data).toEqual({ kind: "json", text: JSON.stringify(event.data, null, 2) });
  });

  it("shows text data as text and binary data with its size", () => {
    expect(eventParts({ ...event, datacontenttype: "text/plain", data: "hello" }).data).toEqual({ kind: "text", text: "hello" });
    const { data: _d, ...noData } = event;
    expect(eventParts({ ...noData, data_base64: "AAEC" }).data).toEqual({ kind: "binary", text: "AAEC", bytes: 3 });
    expect(eventParts({ ...noData, data_base64: "AAE=" }).data).toMatchObject({ bytes: 2 });
    expect(eventParts(noData).data).toEqual({ kind: "none" });
  });

  it("treats a JSON string as JSON when the type is JSON", () => {
    expect(eventParts({ ...event, data: "just a string" }).data).toEqual({ kind: "json", text: '"just a string"' });
  });
});

describe("isJsonType", () => {
  it("knows JSON media types", () => {
    expect(isJsonType("application/json")).toBe(true);
    expect(isJsonType("application/json; charset=utf-8")).toBe(true);
    expect(isJsonType("application/cloudevents+json")).toBe(true);
    expect(isJsonType("text/json")).toBe(true);
    expect(isJsonType(undefined)).toBe(true);
    expect(isJsonType("text/plain")).toBe(false);
    expect(isJsonType("application/xml")).toBe(false);
  });
});

describe("copy actions", () => {
  it("copies the JSON format, pretty-printed", () => {
    expect(JSON.parse(eventJson(event))).toEqual(event);
    expect(eventJson(event)).toContain('\n  "id": "c-1"');
  });

  it("quotes for a POSIX shell, whatever the text", () => {
    for (const s of ["plain", "it's", "'", "a'b'c", '$HOME `x` \\n "q"', "line\nbreak", ""]) {
      const out = execFileSync("sh", ["-c", `printf %s ${shellQuote(s)}`], { encoding: "utf8" });
      expect(out).toBe(s);
    }
  });

  it("builds a curl command that republishes the event in structured mode", () => {
    const cmd = curlCommand(event, "http://localhost:8080/");
    expect(cmd.split(" \\\n")).toEqual([
      "curl -i 'http://localhost:8080/api/events'",
      '  -H "authorization: Bearer $ANUMATE_API_KEY"',
      "  -H 'content-type: application/cloudevents+json'",
      `  --data-binary ${shellQuote(JSON.stringify(event))}`,
    ]);
    // run by a shell (curl replaced by a function printing its arguments): the key comes from the
    // environment and the body is exactly the event, apostrophe included
    const args = execFileSync("sh", ["-c", `curl() { printf '%s\\0' "$@"; }\n${cmd}`], {
      encoding: "utf8",
      env: { ...process.env, ANUMATE_API_KEY: "k-123" },
    })
      .split("\0")
      .slice(0, -1);
    expect(args.slice(0, 7)).toEqual([
      "-i",
      "http://localhost:8080/api/events",
      "-H",
      "authorization: Bearer k-123",
      "-H",
      "content-type: application/cloudevents+json",
      "--data-binary",
    ]);
    expect(JSON.parse(args[7] ?? "")).toEqual(event);
    expect(cmd).not.toContain("k-123");
  });
});
