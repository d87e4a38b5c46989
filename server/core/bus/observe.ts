import { type CloudEvent, withExtensions } from "../cloudevents/event";
import { eventTrace, type Tracer } from "../tracing";
import type { AppendResult } from "./ports";

interface Item {
  event: CloudEvent;
  tenant: string;
}

/**
 * One `publish` span per event, child of the event's trace context. An event that arrives without
 * one gets the span's as its `traceparent` extension, so its trace starts here and follows it
 * (deliveries, retries, dead letters, requeues, replays). `append` runs once the events carry it.
 */
export function tracePublish<T extends Item, R extends AppendResult[]>(
  tracer: Tracer,
  items: T[],
  append: () => Promise<R>,
): Promise<R> {
  const spans = items.map((it) => {
    const span = tracer.start("publish", {
      parent: eventTrace(it.event),
      kind: "producer",
      attributes: {
        "cloudevents.event_id": it.event.id,
        "cloudevents.event_type": it.event.type,
        "cloudevents.event_source": it.event.source,
        "anumate.tenant": it.tenant,
      },
    });
    if (span.context && it.event.extensions.traceparent === undefined) {
      it.event = withExtensions(it.event, { ...span.context });
    }
    return span;
  });
  return append().then(
    (acks) => {
      spans.forEach((s, i) => {
        s.setAttributes({ "anumate.seq": acks[i]?.seq, "anumate.duplicate": acks[i]?.duplicate });
        s.end();
      });
      return acks;
    },
    (e: unknown) => {
      for (const s of spans) {
        s.fail(e);
        s.end();
      }
      throw e;
    },
  );
}
