/**
 * Validation of one structured CloudEvent (the same ~1 KB event as the publish benchmark): this
 * product's decoder (`fromJson`, full spec checks) against the `cloudevents` SDK
 * (`new CloudEvent(obj)`, which validates in its constructor), in one run.
 * `npm run bench:validator` — prints events/s and the ratio.
 */
import { CloudEvent as SdkEvent } from "cloudevents";
import { fromJson } from "../server/core/cloudevents/json";

const event = {
  specversion: "1.0",
  id: "5f0b3c8e-2a4d-4c1e-9a7b-0e6f1d2c3b4a",
  source: "https://bench.example.com/orders",
  type: "com.anumate.bench.order.created",
  time: "2026-11-27T12:00:00.000Z",
  datacontenttype: "application/json",
  subject: "orders/42",
  tenantid: "bench",
  correlationid: "corr-42",
  data: {
    orderId: "ord-42",
    items: Array.from({ length: 8 }, (_, i) => ({ sku: `sku-${i}`, qty: i + 1, price: 9.99 + i, note: "x".repeat(40) })),
  },
};
const text = JSON.stringify(event);

function measure(name: string, fn: () => void, ms = 3000): number {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  const perSec = n / (ms / 1000);
  console.log(`${name.padEnd(44)} ${Math.round(perSec).toLocaleString("en-US").padStart(12)} events/s`);
  return perSec;
}

console.log(`event: ${text.length} bytes of JSON; node ${process.version}`);
const ours = measure("product fromJson (parse + validate)", () => {
  const r = fromJson(JSON.parse(text));
  if (!r.ok) throw new Error("invalid");
});
const sdk = measure("cloudevents SDK new CloudEvent (parse + validate)", () => {
  new SdkEvent(JSON.parse(text) as Record<string, unknown>);
});
console.log(`ratio product / SDK: ${(ours / sdk).toFixed(2)}`);
