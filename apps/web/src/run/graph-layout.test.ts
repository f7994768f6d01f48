import { describe, expect, it } from 'vitest';
import { layoutGraph } from './graph-layout';

const node = (name: string, ...depends_on: string[]) => ({ name, depends_on });
const names = (columns: { name: string }[][]) => columns.map((column) => column.map((n) => n.name));

describe('layoutGraph', () => {
  it('puts pipelines in columns by their deepest dependency, in plan order within a column', () => {
    const layout = layoutGraph([node('lint'), node('build'), node('test', 'build'), node('deploy', 'test', 'lint'), node('docs', 'build')]);
    expect(names(layout.columns)).toEqual([['lint', 'build'], ['test', 'docs'], ['deploy']]);
    expect(layout.edges).toEqual([
      { from: 'build', to: 'test' },
      { from: 'test', to: 'deploy' },
      { from: 'lint', to: 'deploy' },
      { from: 'build', to: 'docs' },
    ]);
  });

  it('ignores dependencies on pipelines that are not in the graph, and never loops on a cycle', () => {
    expect(names(layoutGraph([node('a', 'gone'), node('b', 'a')]).columns)).toEqual([['a'], ['b']]);
    expect(layoutGraph([node('a', 'gone')]).edges).toEqual([]);
    const cycle = layoutGraph([node('a', 'b'), node('b', 'a')]);
    expect(cycle.columns.flat().map((n) => n.name).sort()).toEqual(['a', 'b']);
  });

  it('has no columns for no pipelines', () => {
    expect(layoutGraph([])).toEqual({ columns: [], edges: [] });
  });
});
