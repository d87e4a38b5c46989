import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createEvent } from "./core/cloudevents/event";
import { eventLogFields } from "./core/tracing";
import { createLogger } from "./log";

function capture(level = "debug") {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger(level, dest), lines };
}

describe("logs", () => {
  it("are JSON lines with the level, time and service", () => {
    const { log, lines } = capture();
    log.info({ n: 1 }, "hello");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: "hello", n: 1, service: "anumate-event-bus" });
    expect(typeof lines[0]?.time).toBe("string");
  });

  it("never carry secrets, wherever the key sits", () => {
    const { log, lines } = capture();
    log.warn(
      {
        password: "p1",
        apiKey: "k1",
        nats: { password: "p2", token: "t2" },
        req: { headers: { authorization: "Bearer sekret", cookie: "anumate_session=abc", "x-api-key": "xk" } },
        headers: { authorization: "Bearer top" },
      },
      "with secrets",
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ["p1", "k1", "p2", "t2", "sekret", "anumate_session=abc", "xk", "Bearer top"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("[redacted]");
  });

  it("respect the level", () => {
    const { log, lines } = capture("warn");
    log.info("dropped");
    log.debug("dropped too");
    log.warn("kept");
    expect(lines.map((l) => l.msg)).toEqual(["kept"]);
  });

  it("carry the event's ids and trace id", () => {
    const r = createEvent({
      attributes: {
        specversion: "1.0",
        id: "e-1",
        source: "/t",
        type: "com.example.created",
        tenantid: "acme",
        correlationid: "corr-9",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
    });
    if (!r.ok) throw new Error("bad event");
    const { log, lines } = capture();
    log.info({ seq: 4, ...eventLogFields(r.event) }, "event acknowledged");
    expect(lines[0]).toMatchObject({
      event_id: "e-1",
      event_type: "com.example.created",
      tenant_id: "acme",
      correlation_id: "corr-9",
      trace_id: "0af7651916cd43dd8448eb211c80319c",
    });
  });
});
