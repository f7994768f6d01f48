/**
 * A run's pipelines as a graph: columns by dependency depth (run/graph-layout.ts), SVG edges from each pipeline to
 * those that need it, and in each pipeline its stages and executions (status, duration). An execution is a button:
 * choosing it shows its log. Skipped pipelines say why, reused ones that they stand for an earlier success.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Pipeline, WorkflowDetail } from '../api/types';
import { paths } from '../app';
import { layoutGraph } from '../run/graph-layout';
import { attemptLines, executionStatusWords } from '../run/execution-words';
import { StatusBadge } from './status';
import { Duration } from './time';

interface EdgePath {
  key: string;
  d: string;
}

/** The edges' paths, measured from where the pipelines are drawn (again whenever the graph's size changes). */
function useEdgePaths(container: { current: HTMLElement | null }, edges: { from: string; to: string }[], version: unknown): { paths: EdgePath[]; width: number; height: number } {
  const [drawn, setDrawn] = useState<{ paths: EdgePath[]; width: number; height: number }>({ paths: [], width: 0, height: 0 });
  useLayoutEffect(() => {
    const root = container.current;
    if (!root) return;
    const measure = () => {
      const box = root.getBoundingClientRect();
      const rectOf = (name: string) => root.querySelector(`[data-pipeline="${CSS.escape(name)}"]`)?.getBoundingClientRect();
      const found: EdgePath[] = [];
      for (const edge of edges) {
        const from = rectOf(edge.from);
        const to = rectOf(edge.to);
        if (!from || !to) continue;
        if (to.left < from.right) continue; // stacked (narrow screens): the "needs" line says it
        const x1 = from.right - box.left + root.scrollLeft;
        const y1 = from.top + Math.min(from.height / 2, 28) - box.top;
        const x2 = to.left - box.left + root.scrollLeft;
        const y2 = to.top + Math.min(to.height / 2, 28) - box.top;
        const bend = Math.max(16, (x2 - x1) / 2);
        found.push({ key: `${edge.from}->${edge.to}`, d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}` });
      }
      setDrawn({ paths: found, width: root.scrollWidth, height: root.scrollHeight });
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(root);
    return () => observer.disconnect();
  }, [container, edges.map((e) => `${e.from}>${e.to}`).join(','), version]);
  return drawn;
}

export interface PipelineGraphProps {
  run: WorkflowDetail;
  selected: string | null;
  onSelect(executionId: string): void;
}

export function PipelineGraph({ run, selected, onSelect }: PipelineGraphProps) {
  const container = useRef<HTMLDivElement>(null);
  const layout = layoutGraph(run.pipelines);
  const shape = run.pipelines.map((p) => `${p.name}:${p.status}:${p.reason ?? ''}:${p.stages.map((s) => s.executions.length).join('.')}`).join('|');
  const edges = useEdgePaths(container, layout.edges, shape);
  return (
    <div class="graph" ref={container}>
      <svg class="graph-edges" width={edges.width} height={edges.height} aria-hidden="true">
        {edges.paths.map((edge) => (
          <path key={edge.key} d={edge.d} />
        ))}
      </svg>
      {layout.columns.map((column, index) => (
        <ol class="graph-column" key={index} aria-label={index === 0 ? 'Pipelines that start first' : `Pipelines after those in column ${index}`}>
          {column.map((pipeline) => (
            <li key={pipeline.id}>
              <PipelineNode pipeline={pipeline} run={run} selected={selected} onSelect={onSelect} />
            </li>
          ))}
        </ol>
      ))}
    </div>
  );
}

function PipelineNode({ pipeline, run, selected, onSelect }: { pipeline: Pipeline; run: WorkflowDetail; selected: string | null; onSelect(id: string): void }) {
  const reused = pipeline.status === 'reused' || pipeline.reused_from !== null;
  return (
    <article class={`pipeline pipeline-${pipeline.status}`} data-pipeline={pipeline.name} aria-label={`Pipeline ${pipeline.name}`}>
      <header class="pipeline-head">
        <h3>{pipeline.name}</h3>
        <StatusBadge status={pipeline.status} />
        {pipeline.started_at && (
          <span class="pipeline-time">
            <Duration from={pipeline.started_at} to={pipeline.finished_at} />
          </span>
        )}
      </header>
      {pipeline.depends_on.length > 0 && <p class="pipeline-needs">after {pipeline.depends_on.join(', ')}</p>}
      {reused && (
        <p class="pipeline-note">
          Reused: it succeeded in {run.rerun_of ? <a href={paths.run(run.rerun_of)}>the earlier run</a> : 'an earlier run'} and did not run again.
        </p>
      )}
      {pipeline.reason && !reused && <p class="pipeline-note">{pipeline.reason}</p>}
      {pipeline.stages.map((stage) => (
        <section class="stage" key={stage.id} aria-label={`Stage ${stage.name}`}>
          <h4>
            <span>{stage.name}</span> <StatusBadge status={stage.status} />
          </h4>
          <ul class="executions">
            {stage.executions.map((execution) => (
              <li key={execution.id}>
                <button
                  type="button"
                  class={`execution status-${execution.status}${execution.allowed_failure ? ' allowed-failure' : ''}`}
                  aria-pressed={execution.id === selected}
                  title={[`${execution.name}: ${execution.reason ?? execution.command}`, ...attemptLines(execution)].join('\n')}
                  onClick={() => onSelect(execution.id)}
                >
                  <span class="status-dot" aria-hidden="true" />
                  <span class="execution-name">{execution.name}</span>
                  <span class="execution-status">
                    {executionStatusWords(execution)}
                    {execution.attempts.length > 0 && <span class="execution-attempts"> · attempt {execution.attempts.length + 1}</span>}
                  </span>
                  {execution.started_at && (
                    <span class="execution-time">
                      <Duration from={execution.started_at} to={execution.finished_at} />
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </article>
  );
}
