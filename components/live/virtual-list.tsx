"use client";

import { type KeyboardEvent, type ReactNode, useLayoutEffect, useRef, useState } from "react";
import { isAtBottom, scrollToReveal, visibleWindow } from "./window";

/**
 * A windowed list with a fixed row height: only the rows in view (plus a few) are in the DOM, so
 * thousands of rows scroll smoothly. With `follow` it sticks to the bottom as rows arrive, like
 * `tail -f`; scrolling up stops following, scrolling back to the bottom resumes.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  getKey,
  renderRow,
  follow,
  onFollowChange,
  activeIndex,
  onActivate,
  label,
  className,
  testId,
}: {
  items: readonly T[];
  rowHeight: number;
  getKey: (item: T) => string;
  /** Renders one row; it is placed in an `<li>` of exactly `rowHeight` px. */
  renderRow: (item: T, index: number) => ReactNode;
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  /** The selected row (kept in view when moved with the arrow keys). */
  activeIndex?: number;
  /** Arrow keys, Home and End move the selection. */
  onActivate?: (index: number) => void;
  label: string;
  className?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Following: the bottom rows are rendered straight away (the window comes from the row count,
  // not from a scroll position read back from the DOM), and the scroll position is set once
  // before paint. Reading scrollHeight and re-rendering with it would lay the list out twice per
  // batch of rows.
  const bottom = Math.max(0, items.length * rowHeight - height);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !follow) return;
    el.scrollTop = bottom;
  }, [bottom, follow]);

  // keep the active row in view when it moves
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || activeIndex === undefined || activeIndex < 0) return;
    const to = scrollToReveal(activeIndex, rowHeight, el.scrollTop, el.clientHeight);
    if (to !== undefined) {
      el.scrollTop = to;
      setScrollTop(to);
    }
    // focus follows the keyboard selection once the row is rendered
    if (el.contains(document.activeElement)) {
      el.querySelector<HTMLElement>(`[data-index="${activeIndex}"] button`)?.focus({ preventScroll: true });
    }
  }, [activeIndex, rowHeight]);

  const w = visibleWindow({ scrollTop: follow ? bottom : scrollTop, viewportHeight: height, rowHeight, count: items.length });

  const onKeyDown = (e: KeyboardEvent) => {
    if (!onActivate || items.length === 0) return;
    const current = activeIndex ?? -1;
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const next =
      e.key === "ArrowDown"
        ? current + 1
        : e.key === "ArrowUp"
          ? current - 1
          : e.key === "PageDown"
            ? current + page
            : e.key === "PageUp"
              ? current - page
              : e.key === "Home"
                ? 0
                : e.key === "End"
                  ? items.length - 1
                  : undefined;
    if (next === undefined) return;
    e.preventDefault();
    const clamped = Math.min(items.length - 1, Math.max(0, next));
    if (clamped < items.length - 1) onFollowChange(false);
    onActivate(clamped);
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: arrow keys move the selection between the row buttons inside
    <div
      ref={ref}
      data-testid={testId}
      data-count={items.length}
      onScroll={(e) => {
        const el = e.currentTarget;
        setScrollTop(el.scrollTop);
        const bottom = isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight, rowHeight / 2);
        if (bottom !== follow) onFollowChange(bottom);
      }}
      onKeyDown={onKeyDown}
      className={`relative min-h-0 overflow-y-auto ${className ?? ""}`}
    >
      <ul aria-label={label} style={{ height: w.totalHeight, position: "relative" }}>
        {items.slice(w.start, w.end).map((item, i) => {
          const index = w.start + i;
          return (
            <li
              key={getKey(item)}
              data-index={index}
              aria-setsize={items.length}
              aria-posinset={index + 1}
              style={{ position: "absolute", top: index * rowHeight, left: 0, right: 0, height: rowHeight }}
            >
              {renderRow(item, index)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
