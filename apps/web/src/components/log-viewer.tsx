/**
 * An execution's log: ANSI colours, line numbers that are links (#L120, shift-click for #L120-L130), followed live while
 * the execution runs (from the last chunk GET /execution/log included, on the events stream narrowed to the
 * execution), search, timestamps on demand, download. Rows have one fixed height and only those in view are in the
 * DOM, so a 100,000-line log stays fast; a log over 5 MB opens at its end and loads earlier ranges as the reader
 * scrolls up. While lines arrive live, the page keeps at most LIVE_KEPT of them (twice that while the reader looks
 * further up): the earliest go, and load again as the reader scrolls up. Secrets are masked before they are stored:
 * the viewer shows what is stored.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { followEvents } from '../api/event-stream';
import { lineHtml, plainText } from '../log/ansi';
import { clickedRange, formatLineHash, inRange, parseLineHash, type LineRange } from '../log/line-ranges';
import { LIVE_KEPT, LogLines, type KeptLimits } from '../log/log-lines';
import { findMatches, firstMatchFrom, MAX_MATCHES, piecesOf, stepMatch, type Match } from '../log/log-search';
import { downloadLog, loadEarlier, loadLog } from '../log/log-source';
import { atBottom, centeredScrollTop, visibleRows } from '../log/visible-rows';
import { Failure } from './load';
import '../styles/log-viewer.css';

/** Every row's height in px (styles/log-viewer.css uses the same). */
const ROW = 20;

export interface LogViewerProps {
  workflowId: string;
  executionId: string;
  executionName: string;
  running: boolean;
}

type Phase = { kind: 'loading' } | { kind: 'ready' } | { kind: 'failed'; error: Error };

/** While the reader looks further up than the end, lines go only past twice the bound (the view then stays on its lines). */
const READING_KEPT: KeptLimits = { maxLines: LIVE_KEPT.maxLines * 2, maxChars: LIVE_KEPT.maxChars * 2 };

const timeOf = (at: number): string => {
  const date = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
};

export function LogViewer(props: LogViewerProps) {
  // keyed by execution: a new execution starts from nothing
  return <LogViewerOf key={props.executionId} {...props} />;
}

function LogViewerOf({ workflowId, executionId, executionName, running }: LogViewerProps) {
  const model = useRef(new LogLines()).current;
  const [version, setVersion] = useState(0);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [startByte, setStartByte] = useState(0);
  const [lastChunkId, setLastChunkId] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const following = useRef(true);
  following.current = follow;
  /** Whether live lines went to keep the page within LIVE_KEPT; rows that went since the last render. */
  const [trimmed, setTrimmed] = useState(false);
  const trimmedRows = useRef(0);
  const [timestamps, setTimestamps] = useState(false);
  const [selected, setSelected] = useState<LineRange | null>(null);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(-1);
  const [view, setView] = useState({ top: 0, height: 400 });
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const pendingScroll = useRef<number | 'end' | null>(null);
  const bump = useRef(0);
  const loadingEarlier = useRef(false);

  /** Re-renders once per frame however many chunks came. */
  const changed = useCallback(() => {
    if (bump.current) return;
    bump.current = requestAnimationFrame(() => {
      bump.current = 0;
      setVersion((v) => v + 1);
    });
  }, []);
  useEffect(() => () => cancelAnimationFrame(bump.current), []);

  // 1. the stored log
  useEffect(() => {
    const abort = new AbortController();
    loadLog(executionId, abort.signal).then(
      (loaded) => {
        model.append(loaded.text);
        setStartByte(loaded.startByte);
        setLastChunkId(loaded.lastChunkId);
        setPhase({ kind: 'ready' });
        changed();
      },
      (error: Error) => {
        if (!abort.signal.aborted) setPhase({ kind: 'failed', error });
      },
    );
    return () => abort.abort();
  }, [executionId]);

  // 2. live: the chunks stored after the last one loaded, once the execution runs. Not stopped when it ends (its last
  // chunks may come after its status): the stream ends with the run, or when the viewer goes.
  const stopFollowing = useRef<(() => void) | null>(null);
  useEffect(() => () => stopFollowing.current?.(), []);
  useEffect(() => {
    if (!running || lastChunkId === null || stopFollowing.current) return;
    const path = `/workflow/events?id=${encodeURIComponent(workflowId)}&execution=${encodeURIComponent(executionId)}&last_event_id=${lastChunkId}`;
    stopFollowing.current = followEvents(path, {
      onEvent(event, data) {
        if (event !== 'log') return;
        const chunk = data as { execution_id: string; data: string; at: string };
        if (chunk.execution_id !== executionId) return;
        model.append(chunk.data, Date.parse(chunk.at));
        const gone = model.trimFront(following.current ? LIVE_KEPT : READING_KEPT);
        if (gone.lines > 0) {
          trimmedRows.current += gone.lines;
          setStartByte((start) => start + gone.bytes);
          setTrimmed(true);
          setCurrent(-1);
          setSelected(null);
        }
        changed();
      },
    });
  }, [running, lastChunkId !== null]);

  const count = model.count;
  const numbered = startByte === 0;

  // search: over the lines' plain text, again as lines come
  const matches = useMemo<Match[]>(() => (query === '' ? [] : findMatches(model.text.map(plainText), query)), [query, version]);
  const matchesByLine = useMemo(() => {
    const byLine = new Map<number, Match[]>();
    for (const match of matches) {
      const list = byLine.get(match.line);
      if (list) list.push(match);
      else byLine.set(match.line, [match]);
    }
    return byLine;
  }, [matches]);
  const currentMatch = current >= 0 ? matches[current] : undefined;

  const scrollToRow = (row: number) => {
    const box = scroller.current;
    if (!box) return;
    const top = row * ROW;
    if (top < box.scrollTop || top + ROW > box.scrollTop + box.clientHeight) box.scrollTop = centeredScrollTop(row, box.clientHeight, ROW);
  };

  const goToMatch = (index: number) => {
    setCurrent(index);
    const match = matches[index];
    if (match) {
      setFollow(false);
      scrollToRow(match.line);
    }
  };
  /** Next or previous match; the first step goes to the first match from the top line in view (or the one before it). */
  const step = (backwards: boolean) => {
    if (matches.length === 0) return;
    if (current >= 0) return goToMatch(stepMatch(matches.length, current, backwards));
    const first = firstMatchFrom(matches, Math.floor(view.top / ROW));
    goToMatch(backwards ? stepMatch(matches.length, first, true) : first);
  };

  // the line a URL names (#L120, #L120-L130): highlighted and in view, once the log is here
  useEffect(() => {
    if (phase.kind !== 'ready') return;
    const show = () => {
      const range = parseLineHash(location.hash);
      if (!range || !numbered || range.first > model.count) return;
      setSelected(range);
      setFollow(false);
      pendingScroll.current = range.first - 1;
      changed();
    };
    show();
    addEventListener('hashchange', show);
    return () => removeEventListener('hashchange', show);
  }, [phase.kind]);

  // after each render: follow the end, or scroll where asked
  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box) return;
    const target = pendingScroll.current;
    pendingScroll.current = null;
    // rows that went at the top: the lines in view stay in view
    if (trimmedRows.current > 0 && !follow && typeof target !== 'number') box.scrollTop = Math.max(0, box.scrollTop - trimmedRows.current * ROW);
    trimmedRows.current = 0;
    if (typeof target === 'number') box.scrollTop = centeredScrollTop(target, box.clientHeight, ROW);
    else if (target === 'end' || follow) box.scrollTop = box.scrollHeight;
    setView({ top: box.scrollTop, height: box.clientHeight });
  }, [version, follow, phase.kind]);

  useEffect(() => {
    const box = scroller.current;
    if (!box) return;
    const observer = new ResizeObserver(() => setView({ top: box.scrollTop, height: box.clientHeight }));
    observer.observe(box);
    return () => observer.disconnect();
  }, [phase.kind]);

  const earlier = async () => {
    if (loadingEarlier.current || startByte === 0) return;
    loadingEarlier.current = true;
    setBusy('Loading earlier lines…');
    try {
      const range = await loadEarlier(executionId, startByte);
      const added = model.prepend(range.text);
      const box = scroller.current;
      if (box) pendingScroll.current = null;
      setStartByte(range.startByte);
      setVersion((v) => v + 1);
      // keep the lines in view where they were
      requestAnimationFrame(() => {
        if (box) box.scrollTop += added * ROW;
      });
      setActionError(null);
    } catch (error) {
      setActionError(error as Error);
    } finally {
      loadingEarlier.current = false;
      setBusy(null);
    }
  };

  const onScroll = () => {
    const box = scroller.current;
    if (!box) return;
    setView({ top: box.scrollTop, height: box.clientHeight });
    const bottom = atBottom(box.scrollTop, box.clientHeight, box.scrollHeight);
    if (bottom !== follow) setFollow(bottom);
    if (box.scrollTop < ROW * 5 && startByte > 0) void earlier();
  };

  const jumpToEnd = () => {
    setFollow(true);
    pendingScroll.current = 'end';
    changed();
  };
  const jumpToStart = () => {
    setFollow(false);
    if (scroller.current) scroller.current.scrollTop = 0;
  };

  const clickLine = (line: number) => (event: MouseEvent) => {
    event.preventDefault();
    const range = clickedRange(selected, line, event.shiftKey);
    setSelected(range);
    setFollow(false);
    history.replaceState(history.state, '', `${location.pathname}${location.search}${formatLineHash(range)}`);
  };

  const download = async () => {
    setBusy('Preparing the download…');
    try {
      await downloadLog(executionId, executionName);
      setActionError(null);
    } catch (error) {
      setActionError(error as Error);
    } finally {
      setBusy(null);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'f') {
      event.preventDefault();
      searchBox.current?.focus();
      searchBox.current?.select();
    }
  };
  const onSearchKey = (event: KeyboardEvent) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      step(event.shiftKey);
    } else if (event.key === 'Escape') {
      setQuery('');
      setCurrent(-1);
    }
  };

  const rows = visibleRows(view.top, view.height, ROW, count);
  const unknownTimes = timestamps && model.times.some((at) => at === null);
  const matchWords =
    query === '' ? '' : matches.length === 0 ? 'No matches' : `${current >= 0 ? `${current + 1} of ` : ''}${matches.length >= MAX_MATCHES ? `${MAX_MATCHES}+` : matches.length} ${matches.length === 1 ? 'match' : 'matches'}`;

  return (
    <section class="log-viewer" aria-label={`Log of ${executionName}`} onKeyDown={onKeyDown}>
      <div class="log-toolbar">
        <div class="log-search" role="search">
          <label class="log-search-label">
            <span class="log-sr-only">Search the log</span>
            <input
              ref={searchBox}
              type="search"
              placeholder="Search the log"
              value={query}
              onInput={(e) => {
                setQuery(e.currentTarget.value);
                setCurrent(-1);
              }}
              onKeyDown={onSearchKey}
            />
          </label>
          <button type="button" class="button" onClick={() => step(true)} disabled={matches.length === 0} aria-label="Previous match" title="Previous match (Shift+Enter)">
            ↑
          </button>
          <button type="button" class="button" onClick={() => step(false)} disabled={matches.length === 0} aria-label="Next match" title="Next match (Enter)">
            ↓
          </button>
          <span class="log-match-count muted" aria-live="polite">
            {matchWords}
          </span>
        </div>
        <div class="log-actions">
          <button type="button" class="button" aria-pressed={timestamps} onClick={() => setTimestamps(!timestamps)}>
            Timestamps
          </button>
          {running && (
            <button type="button" class="button" aria-pressed={follow} onClick={() => (follow ? setFollow(false) : jumpToEnd())}>
              Follow
            </button>
          )}
          <button type="button" class="button" onClick={() => void download()} disabled={busy !== null}>
            Download
          </button>
        </div>
      </div>
      {actionError && <Failure error={actionError} what="log" />}
      {busy && (
        <p class="muted log-note" aria-live="polite">
          {busy}
        </p>
      )}
      {unknownTimes && <p class="muted log-note">Lines stored before this page opened show no time: times come with lines that arrive live.</p>}
      {!numbered && phase.kind === 'ready' && (
        <p class="log-note">
          {trimmed
            ? `Earlier lines were let go to keep this page light: it keeps the last ${LIVE_KEPT.maxLines.toLocaleString('en')} lines of a live log. They load again as you scroll up; line numbers appear once the start is loaded.`
            : 'This log is large: it opened at its end, and earlier lines load as you scroll up. Line numbers appear once its start is loaded.'}{' '}
          <button type="button" class="button subtle" onClick={() => void earlier()}>
            Load earlier lines
          </button>
        </p>
      )}
      {phase.kind === 'loading' && (
        <p class="muted log-empty" aria-busy="true">
          Loading the log…
        </p>
      )}
      {phase.kind === 'failed' && <Failure error={phase.error} what="log" />}
      {phase.kind === 'ready' && count === 0 && (
        <p class="muted log-empty">{running ? 'No output yet: lines appear here as the execution writes them.' : 'This execution wrote no output.'}</p>
      )}
      {phase.kind === 'ready' && (
        <div
          ref={scroller}
          class={`log-scroll${count === 0 ? ' log-scroll-empty' : ''}${timestamps ? ' with-times' : ''}`}
          tabIndex={0}
          role="log"
          aria-label={`Output of ${executionName}, ${count} lines`}
          onScroll={onScroll}
        >
          <div class="log-canvas" style={{ height: `${count * ROW}px` }}>
            <div class="log-rows" style={{ transform: `translateY(${rows.first * ROW}px)` }}>
              {model.text.slice(rows.first, rows.end).map((text, offset) => {
                const line = rows.first + offset;
                const number = line + 1;
                const lineMatches = matchesByLine.get(line);
                const at = model.times[line];
                return (
                  <div key={line} class={`log-row${inRange(selected, number) && numbered ? ' selected' : ''}${currentMatch?.line === line ? ' current' : ''}`} data-line={numbered ? number : undefined}>
                    {numbered ? (
                      <a class="log-ln" href={`#L${number}`} onClick={clickLine(number)} tabIndex={-1} aria-label={`Line ${number}`}>
                        {number}
                      </a>
                    ) : (
                      <span class="log-ln" aria-hidden="true" />
                    )}
                    {timestamps && (
                      <span class="log-ts" title={at == null ? 'stored before this page opened' : new Date(at).toISOString()}>
                        {at == null ? '' : timeOf(at)}
                      </span>
                    )}
                    {lineMatches ? (
                      <span class="log-text">
                        {piecesOf(plainText(text), lineMatches, currentMatch).map((piece, i) =>
                          piece.match ? (
                            <mark key={i} class={piece.current ? 'current' : undefined}>
                              {piece.text}
                            </mark>
                          ) : (
                            piece.text
                          ),
                        )}
                      </span>
                    ) : (
                      // lineHtml escapes every character of the log (ansi_up, links off): only its colour spans are markup
                      <span class="log-text" dangerouslySetInnerHTML={{ __html: lineHtml(text, model.carried[line]) }} />
                    )}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
      )}
      {phase.kind === 'ready' && count * ROW > view.height && (
        <div class="log-footer">
          <button type="button" class="button subtle" onClick={jumpToStart}>
            Jump to start
          </button>
          {!follow && (
            <button type="button" class="button subtle" onClick={jumpToEnd}>
              Jump to end
            </button>
          )}
        </div>
      )}
    </section>
  );
}
