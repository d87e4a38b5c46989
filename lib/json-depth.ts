/**
 * Nesting limits for JSON from outside. `JSON.parse` copes with any depth, but what runs on the
 * value next does not: `JSON.stringify` and recursive zod schemas (subscription filters) overflow
 * the stack a few thousand levels down, which would answer a 500 (and a stored event that deep
 * would break every history page that includes it). Checked on the text, before parsing.
 */

/** Deepest nesting of an event's JSON (the structured event object is level 1). */
export const MAX_EVENT_JSON_DEPTH = 256;

/** Deepest nesting of a management request body (subscriptions, replays, keys…). */
export const MAX_BODY_JSON_DEPTH = 64;

/** Whether `text` (JSON or not) opens more than `max` arrays / objects inside each other. Strings are skipped. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  // fast path (the usual case): with no more than `max` brackets the nesting cannot exceed it;
  // indexOf runs natively, much faster than the character loop below
  let brackets = 0;
  for (let i = text.indexOf("{"); i !== -1 && brackets <= max; i = text.indexOf("{", i + 1)) brackets++;
  for (let i = text.indexOf("["); i !== -1 && brackets <= max; i = text.indexOf("[", i + 1)) brackets++;
  if (brackets <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Whether a parsed JSON value nests arrays / objects more than `max` deep (the value itself at
 * level 1). Iterative and stops at the limit: cheaper than scanning the text of a large body.
 */
export function valueDepthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    if (depth > max) return true;
    if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
    else for (const k in v as Record<string, unknown>) stack.push([(v as Record<string, unknown>)[k], depth + 1]);
  }
  return false;
}
