/**
 * A run kept live: GET /workflow, then the events stream (GET /workflow/events) applied to it. A node the tree does
 * not hold yet (the plan arrived after the read) reads the tree again; what that read answers is put together with the
 * tree shown by then (mergeRead: a read taken before the run's last events does not take them back).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiFailure, ok } from '../api/client';
import { followEvents } from '../api/event-stream';
import type { RunSnapshotEvent } from '@factoryci/run-state';
import type { StatusEvent, WorkflowDetail } from '../api/types';
import { applySnapshot, applyStatus, mergeRead } from './apply-status';

export interface LiveRun {
  run: WorkflowDetail | undefined;
  error: Error | null;
  /** Whether the events stream is connected (false while it reconnects, and once the run ended). */
  live: boolean;
  reload(): Promise<void>;
}

export function useLiveRun(id: string): LiveRun {
  const [run, setRun] = useState<WorkflowDetail | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [live, setLive] = useState(false);
  const current = useRef<WorkflowDetail | undefined>(undefined);
  // the run the page is on now: a read of the run it was on before (answering after a move to another) is not shown
  const shownId = useRef(id);
  shownId.current = id;

  const show = (next: WorkflowDetail) => {
    current.current = next;
    setRun(next);
  };
  const reload = useCallback(async () => {
    try {
      const read = await ok(api.GET('/workflow', { params: { query: { id } } }));
      if (id !== shownId.current) return;
      show(mergeRead(current.current, read));
      setError(null);
    } catch (failure) {
      if (id === shownId.current) setError(failure as Error);
    }
  }, [id]);

  useEffect(() => {
    current.current = undefined;
    setRun(undefined);
    setError(null);
    void reload();
  }, [reload]);

  const loaded = run !== undefined;
  useEffect(() => {
    if (!loaded) return;
    const apply = (change: (tree: WorkflowDetail) => WorkflowDetail | null) => {
      const tree = current.current;
      if (!tree) return;
      const next = change(tree);
      if (next) show(next);
      else void reload();
    };
    return followEvents(`/workflow/events?id=${encodeURIComponent(id)}&logs=none`, {
      onEvent(event, data) {
        if (event === 'snapshot') apply((tree) => applySnapshot(tree, (data as RunSnapshotEvent).nodes));
        else if (event === 'status') apply((tree) => applyStatus(tree, data as StatusEvent));
        // statuses only (logs=none: the log viewer follows its execution's own chunks); `end`: the stream stops by itself
      },
      onConnection: setLive,
      onFailure(status, message) {
        setError(new ApiFailure(status, 'events', message));
      },
    });
  }, [id, loaded]);

  return { run, error, live, reload };
}
