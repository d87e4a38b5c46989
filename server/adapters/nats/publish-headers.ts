import type { MsgHdrs } from "@nats-io/transport-node";

const utf8 = new TextEncoder();

/**
 * Headers for a message the bus publishes, written straight into NATS's header block format
 * (`NATS/1.0\r\nName: value\r\n…\r\n\r\n`). nats.js's own `headers()` checks and canonicalises every
 * name and keeps maps of arrays — per header, per published event; publishing only needs the bytes.
 * Names and values come from the bus itself (CloudEvents `ce-` attributes, percent-encoded, and its
 * own headers), so they hold no CR, LF or colon in names.
 *
 * Only what publishing uses is implemented: `append`, `set` (JetStream adds `Nats-Msg-Id` with it),
 * `get`, `has` and `encode`. Pass it where nats.js takes `MsgHdrs` through `asMsgHdrs()`.
 */
export class PublishHeaders {
  private readonly names: string[] = [];
  private readonly values: string[] = [];

  append(name: string, value: string): this {
    this.names.push(name);
    this.values.push(value);
    return this;
  }

  /** Replaces every value of `name` (exact name). */
  set(name: string, value: string): void {
    for (let i = this.names.length - 1; i >= 0; i--) {
      if (this.names[i] === name) {
        this.names.splice(i, 1);
        this.values.splice(i, 1);
      }
    }
    this.append(name, value);
  }

  get(name: string): string {
    const i = this.names.indexOf(name);
    return i < 0 ? "" : (this.values[i] ?? "");
  }

  has(name: string): boolean {
    return this.names.includes(name);
  }

  encode(): Uint8Array {
    let s = "NATS/1.0\r\n";
    for (let i = 0; i < this.names.length; i++) s += `${this.names[i]}: ${this.values[i]}\r\n`;
    return utf8.encode(`${s}\r\n`);
  }

  /** For nats.js publish options (it calls `set` and `encode` only). */
  asMsgHdrs(): MsgHdrs {
    return this as unknown as MsgHdrs;
  }
}
