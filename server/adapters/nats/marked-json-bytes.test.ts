import { describe, expect, it } from "vitest";
import { createEvent, type EventData } from "../../core/cloudevents/event";
import { decodeHeaderValue } from "../../core/cloudevents/headers";
import { encodeNats, jsonPartsBuffer, markedJson, readMarked } from "../../core/cloudevents/nats";
import { prng } from "../../testing/prng";
import { MarkedJsonWriter } from "./marked-json-bytes";
import { parseHeaderBlock } from "./message-headers";

const utf8 = new TextEncoder();

function decoded(headerValue: string): string {
  const d = decodeHeaderValue(headerValue);
  if (!d.ok) throw new Error(d.rule);
  return d.value;
}
const pick = <T>(rnd: () => number, xs: T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

function text(rnd: () => number, plain: boolean, min = 1): string {
  const pool = plain ? ["a", "Z", "0", " ", "~", ".", ":", "/", "-"] : ["a", '"', "%", "\\", "é", "€", " ", "😀"];
  let s = "";
  for (let i = min + Math.floor(rnd() * 12); i > 0; i--) s += pick(rnd, pool);
  return s.trim() || "x";
}

/** A message as the bus stores it (`encodeNats`, plus the headers JetStream and tracing add), its header block as text. */
function busMessage(rnd: () => number): { lines: [string, string][]; payload: Uint8Array } {
  const plain = rnd() < 0.7;
  const attrs: Record<string, unknown> = { specversion: "1.0", id: text(rnd, plain), source: "/s/x", type: text(rnd, plain) };
  if (rnd() < 0.5) attrs.subject = text(rnd, plain);
  if (rnd() < 0.5) attrs.time = "2026-01-31T12:00:00.5Z";
  if (rnd() < 0.3) attrs.dataschema = "https://example.com/s";
  if (rnd() < 0.6) attrs.tenantid = pick(rnd, ["acme", "t_1", "globex-eu"]);
  if (rnd() < 0.5) attrs.note = text(rnd, plain);
  if (rnd() < 0.3) attrs.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  if (rnd() < 0.15) attrs.n = Math.floor(rnd() * 1000);
  if (rnd() < 0.1) attrs.b = rnd() < 0.5;
  if (rnd() < 0.1) attrs["42"] = "named by digits";
  const kind = pick(rnd, ["json", "json", "json", "none", "text", "binary"]);
  let data: EventData | undefined;
  if (kind === "json") data = { kind: "json", value: { t: text(rnd, plain), n: [1, null, true] } };
  else if (kind === "text") {
    attrs.datacontenttype = "text/plain";
    data = { kind: "text", value: text(rnd, plain) };
  } else if (kind === "binary") data = { kind: "binary", value: utf8.encode(text(rnd, false)) };
  const made = createEvent({ attributes: attrs, data });
  if (!made.ok) throw new Error(JSON.stringify(made.problems));
  const m = encodeNats(made.event);
  const lines: [string, string][] = [...m.headers];
  if (rnd() < 0.5) lines.push(["Nats-Msg-Id", String(attrs.id)]);
  // JSON data as a service sent it: its own spacing and line breaks
  const payload =
    kind === "json" && rnd() < 0.5 ? utf8.encode(JSON.stringify(data?.value, null, pick(rnd, [2, "\r\n"]))) : m.payload;
  return { lines, payload };
}

/** One change that the byte path must either follow exactly or leave to the general path. */
function mutate(rnd: () => number, lines: [string, string][]): string {
  const i = Math.floor(rnd() * lines.length);
  const [k, v] = lines[i] as [string, string];
  const block = (ls: [string, string][], sep = ": ") => `NATS/1.0\r\n${ls.map(([a, b]) => `${a}${sep}${b}\r\n`).join("")}\r\n`;
  switch (Math.floor(rnd() * 12)) {
    case 0:
      return block(lines.map(([a, b], j) => [j === i ? a.toUpperCase() : a, b]));
    case 1:
      return block([...lines, [k, `${v}x`]]); // named twice
    case 2:
      return block([
        ...lines,
        [pick(rnd, ["Content-Type", "content-type"]), pick(rnd, ["application/json", "application/cloudevents+json"])],
      ]);
    case 3:
      return block(lines.map(([a, b]) => [a === "Anumate-Data" ? pick(rnd, ["anumate-data", "ANUMATE-DATA"]) : a, b]));
    case 4:
      return block(lines, pick(rnd, [":", ":  ", " : "]));
    case 5:
      return block(
        lines.map(([a, b], j) => [
          a,
          j === i ? pick(rnd, [`${b} `, ` ${b}`, "", `%41${b}`, `${b}%2`, `%e9${b}`, `%22${b}`, `%5c`, `%7E%7e`]) : b,
        ]),
      );
    case 6:
      return `${block(lines)}ce-extra: 1\r\n\r\n`; // something after the blank line
    case 7:
      return block(lines).replace("\r\n\r\n", "\r\nno colon here\r\n\r\n");
    case 8:
      return block(lines.map(([a, b]) => [a, a === "ce-specversion" ? pick(rnd, ["0.3", "1.0 ", "1.00"]) : b]));
    case 9:
      return block(lines.filter(([a]) => a !== pick(rnd, ["ce-id", "ce-source", "ce-type", "ce-specversion", "Anumate-Data"])));
    case 10:
      return block([...lines, [pick(rnd, ["Ce-Foo", "CE-foo", "ce-", "ce-é"]), "bar"]]);
    default:
      return block(lines.map(([a, b]) => [a, a === "Anumate-Data" ? pick(rnd, ["json ", "JSON", "nothing", "text"]) : b]));
  }
}

describe("MarkedJsonWriter (the bus's own events, byte for byte)", () => {
  it("writes what the general path writes, or leaves the message to it", () => {
    const rnd = prng(4242);
    const writer = new MarkedJsonWriter();
    let taken = 0;
    let declined = 0;
    for (let n = 0; n < 3000; n++) {
      const { lines, payload } = busMessage(rnd);
      const mutated = rnd() < 0.4;
      const blockText = mutated ? mutate(rnd, lines) : `NATS/1.0\r\n${lines.map(([a, b]) => `${a}: ${b}\r\n`).join("")}\r\n`;
      const block = utf8.encode(blockText);
      // the message as received: a view into a longer read (its payload followed by other bytes, some line breaks)
      const read = Buffer.concat([block, payload, Buffer.from("\r\nMSG x\n")]);
      const raw = read.subarray(0, block.length + payload.length);
      // exactly the room the writer asks for, after some bytes of another event
      const at = Math.floor(rnd() * 8);
      const out = Buffer.alloc(at + 2 * raw.length, 0x2a);
      const end = writer.write(raw, block.length, out, at);
      const marked = readMarked(parseHeaderBlock(blockText));
      const parts = marked && markedJson(marked, payload);
      if (end < 0) {
        declined++;
        // what the byte path leaves: anything else than plain values, json / none data and no typed or digit-named extensions
        if (!mutated && parts)
          expect(
            lines.some(
              ([a, v]) =>
                (a.startsWith("ce-") && /["\\]|[^\x20-\x7e]/.test(decoded(v))) ||
                (a === "Anumate-Data" && v !== "json" && v !== "none") ||
                a === "Anumate-Ext-Types",
            ),
          ).toBe(true);
        continue;
      }
      taken++;
      expect(parts).toBeDefined();
      expect(end).toBeLessThanOrEqual(out.length);
      // the message copied as it was, then its JSON
      expect(out.subarray(at, at + raw.length).equals(raw)).toBe(true);
      expect(out.subarray(at + raw.length, end).toString()).toBe(jsonPartsBuffer(parts as NonNullable<typeof parts>).toString());
      expect(Buffer.from(out.subarray(writer.typeStart, writer.typeEnd)).toString()).toBe(marked?.type);
    }
    expect(taken).toBeGreaterThan(500);
    expect(declined).toBeGreaterThan(800);
  });

  it("takes a typical stored event: Nats-Msg-Id and a traceparent passed over, its data's line breaks made spaces", () => {
    const block = utf8.encode(
      "NATS/1.0\r\nce-specversion: 1.0\r\nce-id: e-1\r\nce-source: /orders\r\nce-type: com.acme.order.created\r\n" +
        "ce-subject: orders/1\r\nce-datacontenttype: application/json\r\nce-tenantid: acme\r\nAnumate-Data: json\r\n" +
        "Nats-Msg-Id: e-1\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n",
    );
    const payload = Buffer.from('{\r\n  "total": 12.5\n}');
    const raw = Buffer.concat([block, payload]);
    const out = Buffer.alloc(2 * raw.length);
    const end = new MarkedJsonWriter().write(raw, block.length, out, 0);
    expect(out.subarray(raw.length, end).toString()).toBe(
      '{"specversion":"1.0","id":"e-1","source":"/orders","type":"com.acme.order.created","datacontenttype":"application/json",' +
        '"subject":"orders/1","tenantid":"acme","data":{    "total": 12.5 }}',
    );
  });
});
