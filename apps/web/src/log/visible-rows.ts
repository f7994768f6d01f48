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

/** Whether the viewport shows the last row (within one row): new lines then scroll into view when following. */
export function atBottom(scrollTop: number, viewportHeight: number, scrollHeight: number, rowHeight: number): boolean {
  return scrollTop + viewportHeight >= scrollHeight - rowHeight;
}

/** The scrollTop that puts `row` in the middle of the viewport. */
export function centeredScrollTop(row: number, viewportHeight: number, rowHeight: number): number {
  return Math.max(0, row * rowHeight - viewportHeight / 2 + rowHeight / 2);
}
