/**
 * Window math of the virtualized list: fixed row height, so the visible rows follow from the
 * scroll position alone.
 */

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  count: number;
  /** Rows rendered above and below the visible ones, so fast scrolling shows no gaps. @default 8 */
  overscan?: number;
}

export interface ListWindow {
  /** First rendered row (inclusive). */
  start: number;
  /** Last rendered row (exclusive). */
  end: number;
  /** Offset of row `start` from the top of the content. */
  offsetTop: number;
  /** Height of all rows. */
  totalHeight: number;
}

export function visibleWindow({ scrollTop, viewportHeight, rowHeight, count, overscan = 8 }: WindowInput): ListWindow {
  const totalHeight = count * rowHeight;
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offsetTop: 0, totalHeight };
  const maxTop = Math.max(0, totalHeight - viewportHeight);
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const first = Math.floor(top / rowHeight);
  const lastVisible = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, Math.max(lastVisible, first + 1) + overscan);
  return { start, end, offsetTop: start * rowHeight, totalHeight };
}

/** Whether the view is at the bottom (within `tolerance` px), i.e. following new rows. */
export function isAtBottom(scrollTop: number, viewportHeight: number, scrollHeight: number, tolerance = 4): boolean {
  return scrollTop + viewportHeight >= scrollHeight - tolerance;
}

/** The scroll position that brings row `index` fully into view, or `undefined` when it already is. */
export function scrollToReveal(index: number, rowHeight: number, scrollTop: number, viewportHeight: number): number | undefined {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return bottom - viewportHeight;
  return undefined;
}
