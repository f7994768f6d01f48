/** Which rows of a fixed-height list to put in the DOM for a scroll position (virtualised rendering). Pure. */
export interface RowWindow {
  /** 0-based, inclusive. */
  first: number;
  /** exclusive */
  end: number;
}

export function visibleRows(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 20): RowWindow {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first, end: Math.max(first, end) };
}

/**
 * Whether the viewport is scrolled to the end (within `slackPx`, for fractional scroll positions): new lines then scroll
 * into view when following. Not more slack: a log that scrolls by less than a row would count as at its end at its top.
 */
export function atBottom(scrollTop: number, viewportHeight: number, scrollHeight: number, slackPx = 2): boolean {
  return scrollTop + viewportHeight >= scrollHeight - slackPx;
}

/** The scrollTop that puts `row` in the middle of the viewport. */
export function centeredScrollTop(row: number, viewportHeight: number, rowHeight: number): number {
  return Math.max(0, row * rowHeight - viewportHeight / 2 + rowHeight / 2);
}
