/** The pipeline graph's layout, as data: pipelines in columns by dependency depth, and the edges between them. */

export interface GraphNode {
  name: string;
  depends_on: readonly string[];
}

export interface GraphLayout<N extends GraphNode> {
  /** Column 0 holds the pipelines that depend on none (of those present); column n those whose deepest need is in n-1. */
  columns: N[][];
  /** One per dependency on a pipeline that is present: from the needed pipeline to the one that needs it. */
  edges: { from: string; to: string }[];
}

/** Depth = 1 + the deepest dependency's depth; dependencies not in the graph are ignored, cycles cut (never loops). */
export function layoutGraph<N extends GraphNode>(nodes: readonly N[]): GraphLayout<N> {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (node: N): number => {
    const known = depth.get(node.name);
    if (known !== undefined) return known;
    if (visiting.has(node.name)) return 0;
    visiting.add(node.name);
    const needs = node.depends_on.map((name) => byName.get(name)).filter((n): n is N => n !== undefined);
    const value = needs.length === 0 ? 0 : 1 + Math.max(...needs.map(depthOf));
    visiting.delete(node.name);
    depth.set(node.name, value);
    return value;
  };
  const columns: N[][] = [];
  for (const node of nodes) (columns[depthOf(node)] ??= []).push(node);
  const edges = nodes.flatMap((node) => node.depends_on.filter((name) => byName.has(name)).map((from) => ({ from, to: node.name })));
  return { columns: columns.filter((column) => column !== undefined), edges };
}
