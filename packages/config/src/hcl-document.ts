import type { Node } from 'web-tree-sitter';
import type { SourceLocation } from './model.js';
import type { HclJson } from './hcl-syntax.js';

/**
 * A parsed HCL file with a source location on every block, label, attribute and value: the structure and positions
 * come from tree-sitter, the values from hcl2json's JSON at the matching path.
 */

export type HclValue =
  | { kind: 'string'; value: string; location: SourceLocation }
  | { kind: 'number'; value: number; location: SourceLocation }
  | { kind: 'bool'; value: boolean; location: SourceLocation }
  | { kind: 'null'; location: SourceLocation }
  | { kind: 'list'; items: HclValue[]; location: SourceLocation }
  | { kind: 'map'; entries: HclMapEntry[]; location: SourceLocation }
  /** Anything the language does not evaluate: references, function calls, operators, interpolations. */
  | { kind: 'expression'; text: string; template: boolean; location: SourceLocation };

export interface HclMapEntry {
  key: string;
  keyLocation: SourceLocation;
  /** False when the key is itself an expression, e.g. `(var) = 1`. */
  literalKey: boolean;
  value: HclValue;
}

export interface HclAttribute {
  name: string;
  nameLocation: SourceLocation;
  value: HclValue;
}

export interface HclLabel {
  value: string;
  location: SourceLocation;
}

export interface HclBlock {
  type: string;
  typeLocation: SourceLocation;
  labels: HclLabel[];
  body: HclBody;
}

export interface HclBody {
  /** In source order. */
  attributes: HclAttribute[];
  /** In source order. */
  blocks: HclBlock[];
}

/**
 * Maps tree-sitter positions (rows and UTF-16 columns, 0-based) to 1-based lines and character columns. Each line is
 * looked at once (not once per node: a file may be one long line with many nodes).
 */
export function createLocator(file: string, content: string): (node: Node) => SourceLocation {
  const lines = content.split('\n');
  /** Per non-ASCII line: the character column of each UTF-16 column; ASCII lines map to themselves (null). */
  const columns = new Map<number, Uint32Array | null>();
  const columnsOf = (row: number): Uint32Array | null => {
    let map = columns.get(row);
    if (map !== undefined) return map;
    const line = lines[row] ?? '';
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(line)) map = null;
    else {
      map = new Uint32Array(line.length + 1);
      let characters = 0;
      for (let i = 0; i < line.length; i++) {
        map[i] = characters;
        const code = line.charCodeAt(i);
        // The second half of a surrogate pair is the same character as the first.
        if (!(code >= 0xdc00 && code <= 0xdfff && i > 0 && line.charCodeAt(i - 1) >= 0xd800 && line.charCodeAt(i - 1) <= 0xdbff)) characters++;
      }
      map[line.length] = characters;
    }
    columns.set(row, map);
    return map;
  };
  return (node) => {
    const { row, column } = node.startPosition;
    const map = columnsOf(row);
    const characters = map === null ? column : (map[Math.min(column, map.length - 1)] as number);
    return { file, line: row + 1, column: characters + 1 };
  };
}

/**
 * Where tree-sitter could not follow the syntax: the first ERROR or MISSING node; inside an ERROR node, a token glued
 * to the end of an attribute (e.g. the `e3` of `cpu = 1e3`, which tree-sitter-hcl does not read as a number).
 */
export function firstSyntaxProblem(root: Node): Node | undefined {
  const erroneous = (node: Node) => node.hasError || node.isError || node.isMissing;
  if (!erroneous(root)) return undefined;
  // A loop, not recursion: the depth of a syntax tree is the input's to choose.
  let node = root;
  for (;;) {
    if (node.isMissing) return node;
    const children = node.children.filter((child): child is Node => child !== null);
    const bad = children.find(erroneous);
    if (bad) {
      node = bad;
      continue;
    }
    if (node.isError) {
      const glued = children.find((child, i) => i > 0 && children[i - 1]?.type === 'attribute' && children[i - 1]?.endPosition.row === child.startPosition.row);
      if (glued) return glued;
    }
    return node;
  }
}

function named(node: Node): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null);
}

/** The first named child: one WebAssembly call instead of marshalling every child. */
function first(node: Node): Node | undefined {
  return node.firstNamedChild ?? undefined;
}

function childOfType(node: Node, type: string): Node | undefined {
  return named(node).find((child) => child.type === type);
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** hcl2json keeps Terraform-JSON template escapes: a literal `${` is `$${` and `%{` is `%%{`. */
function unescapeTemplate(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

function labelValue(node: Node): string {
  if (node.type === 'identifier') return node.text;
  return named(node)
    .filter((child) => child.type === 'template_literal')
    .map((child) => child.text)
    .join('');
}

/** Builds the located document of one file from its tree-sitter root and its hcl2json JSON. */
export function buildDocument(root: Node, json: HclJson, locate: (node: Node) => SourceLocation): HclBody {
  const buildValue = (expression: Node, jsonValue: unknown): HclValue => {
    const location = locate(expression);
    const inner = first(expression);
    if (!inner) return { kind: 'expression', text: expression.text, template: false, location };
    const unsupported = (at: Node, template = false): HclValue => ({ kind: 'expression', text: at.text, template, location: locate(at) });

    switch (inner.type) {
      case 'expression':
        return buildValue(inner, jsonValue);
      case 'literal_value': {
        const literal = first(inner);
        switch (literal?.type) {
          case 'string_lit':
            return { kind: 'string', value: typeof jsonValue === 'string' ? unescapeTemplate(jsonValue) : labelValue(literal), location };
          case 'numeric_lit':
            return { kind: 'number', value: typeof jsonValue === 'number' ? jsonValue : Number(literal.text), location };
          case 'bool_lit':
            return { kind: 'bool', value: typeof jsonValue === 'boolean' ? jsonValue : literal.text === 'true', location };
          case 'null_lit':
            return { kind: 'null', location };
          default:
            return unsupported(inner);
        }
      }
      case 'template_expr': {
        const template = first(inner);
        const dynamic = template && named(template).find((part) => part.type === 'template_interpolation' || part.type === 'template_directive');
        if (!template || dynamic) return unsupported(dynamic ?? inner, true);
        const fallback = named(template)
          .filter((part) => part.type === 'template_literal')
          .map((part) => part.text)
          .join('');
        return { kind: 'string', value: typeof jsonValue === 'string' ? unescapeTemplate(jsonValue) : fallback, location };
      }
      case 'operation': {
        const unary = childOfType(inner, 'unary_operation');
        const operand = unary && first(unary);
        const isNumber = operand?.type === 'literal_value' && first(operand)?.type === 'numeric_lit';
        if (isNumber && typeof jsonValue === 'number') return { kind: 'number', value: jsonValue, location };
        return unsupported(inner);
      }
      case 'collection_value': {
        const collection = first(inner);
        if (collection?.type === 'tuple') {
          const items = Array.isArray(jsonValue) ? jsonValue : [];
          const elements = named(collection).filter((child) => child.type === 'expression');
          return { kind: 'list', items: elements.map((element, i) => buildValue(element, items[i])), location };
        }
        if (collection?.type === 'object') {
          const object = asObject(jsonValue) ?? {};
          const entries = named(collection)
            .filter((child) => child.type === 'object_elem')
            .map((element): HclMapEntry => {
              const keyNode = element.childForFieldName('key') ?? element;
              const valueNode = element.childForFieldName('val') ?? element;
              const keyInner = first(keyNode);
              let key = keyNode.text;
              let literalKey = false;
              if (keyInner?.type === 'variable_expr') {
                key = keyInner.text;
                literalKey = true;
              } else if (keyInner?.type === 'literal_value' && first(keyInner)?.type === 'string_lit') {
                key = labelValue(first(keyInner) as Node);
                literalKey = true;
              }
              return { key, keyLocation: locate(keyNode), literalKey, value: buildValue(valueNode, object[key]) };
            });
          return { kind: 'map', entries, location };
        }
        return unsupported(inner);
      }
      default:
        return unsupported(inner);
    }
  };

  const buildBody = (body: Node | undefined, bodyJson: Record<string, unknown> | undefined): HclBody => {
    const result: HclBody = { attributes: [], blocks: [] };
    if (!body) return result;
    const seenBlocks = new Map<string, number>();
    for (const child of named(body)) {
      if (child.type === 'attribute') {
        const parts = named(child);
        const identifier = parts.find((part) => part.type === 'identifier');
        const expression = parts.find((part) => part.type === 'expression');
        if (!identifier || !expression) continue;
        result.attributes.push({
          name: identifier.text,
          nameLocation: locate(identifier),
          value: buildValue(expression, bodyJson?.[identifier.text]),
        });
      } else if (child.type === 'block') {
        const parts = named(child);
        const identifier = parts[0];
        if (!identifier || identifier.type !== 'identifier') continue;
        const labelNodes = parts.slice(1).filter((part) => part.type === 'string_lit' || part.type === 'identifier');
        const labels = labelNodes.map((node) => ({ value: labelValue(node), location: locate(node) }));
        // hcl2json: type → label → ... → [one object per block with this type and labels, in source order]
        const key = JSON.stringify([identifier.text, ...labels.map((label) => label.value)]);
        const index = seenBlocks.get(key) ?? 0;
        seenBlocks.set(key, index + 1);
        let node: unknown = bodyJson?.[identifier.text];
        for (const label of labels) node = asObject(node)?.[label.value];
        const blockJson = Array.isArray(node) ? asObject(node[index]) : undefined;
        result.blocks.push({
          type: identifier.text,
          typeLocation: locate(identifier),
          labels,
          body: buildBody(parts.find((part) => part.type === 'body'), blockJson),
        });
      }
    }
    return result;
  };

  return buildBody(childOfType(root, 'body'), json);
}
