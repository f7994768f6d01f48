import type { DiagnosticSink } from './diagnostics.js';
import type { HclAttribute, HclValue } from './hcl-document.js';
import { parseDuration } from './duration.js';
import type { SourceLocation } from './model.js';

/**
 * Typed reading of attribute values. Each reader reports a wrong type at the value's location and returns undefined;
 * `null` means "not set", as in HCL.
 */

const KIND_NAMES: Record<HclValue['kind'], string> = {
  string: 'a string',
  number: 'a number',
  bool: 'a bool',
  null: 'null',
  list: 'a list',
  map: 'a map',
  expression: 'an expression',
};

export interface LocatedString {
  value: string;
  location: SourceLocation;
}

function wrongType(sink: DiagnosticSink, what: string, expected: string, value: HclValue): undefined {
  if (value.kind === 'expression') {
    sink.add(
      value.location,
      value.template
        ? `${what}: template "${value.text}" is not supported, values are literal (write "$\${" for a literal "\${" and "%%{" for "%{")`
        : `${what} must be ${expected}; expressions such as "${value.text}" are not evaluated (use a quoted literal)`,
    );
  } else {
    sink.add(value.location, `${what} must be ${expected}, not ${KIND_NAMES[value.kind]}`);
  }
  return undefined;
}

export function readString(sink: DiagnosticSink, what: string, value: HclValue): LocatedString | undefined {
  if (value.kind === 'string') return { value: value.value, location: value.location };
  if (value.kind === 'null') return undefined;
  return wrongType(sink, what, 'a string', value);
}

export function readBool(sink: DiagnosticSink, what: string, value: HclValue): { value: boolean; location: SourceLocation } | undefined {
  if (value.kind === 'bool') return { value: value.value, location: value.location };
  if (value.kind === 'null') return undefined;
  return wrongType(sink, what, 'a bool (true or false)', value);
}

/** A string, or a number/bool written without quotes (converted to its decimal text), e.g. `PORT = 8080`. */
export function readScalarAsString(sink: DiagnosticSink, what: string, value: HclValue): LocatedString | undefined {
  if (value.kind === 'number' || value.kind === 'bool') return { value: String(value.value), location: value.location };
  return readString(sink, what, value);
}

export function readStringList(sink: DiagnosticSink, what: string, value: HclValue): LocatedString[] | undefined {
  if (value.kind === 'null') return undefined;
  if (value.kind !== 'list') return wrongType(sink, what, 'a list of strings', value);
  const result: LocatedString[] = [];
  for (const item of value.items) {
    if (item.kind === 'string') result.push({ value: item.value, location: item.location });
    else wrongType(sink, `each element of ${what}`, 'a string', item);
  }
  return result;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A map of environment variables: names like shell variables, values strings (numbers and bools are converted). */
export function readEnv(sink: DiagnosticSink, attribute: HclAttribute): Record<string, string> {
  const env: Record<string, string> = {};
  const { value } = attribute;
  if (value.kind === 'null') return env;
  if (value.kind !== 'map') {
    wrongType(sink, attribute.name, 'a map of strings, e.g. { NODE_ENV = "test" }', value);
    return env;
  }
  const seen = new Set<string>();
  for (const entry of value.entries) {
    if (!entry.literalKey) {
      sink.add(entry.keyLocation, `${attribute.name} keys must be literal names, not the expression ${entry.key}`);
      continue;
    }
    if (seen.has(entry.key)) {
      sink.add(entry.keyLocation, `${attribute.name} sets "${entry.key}" twice`);
      continue;
    }
    seen.add(entry.key);
    if (!ENV_NAME.test(entry.key)) {
      sink.add(entry.keyLocation, `"${entry.key}" is not a valid environment variable name (letters, digits and _, not starting with a digit)`);
      continue;
    }
    const text = readScalarAsString(sink, `${attribute.name}.${entry.key}`, entry.value);
    if (text) env[entry.key] = text.value;
  }
  return env;
}

export function readDuration(sink: DiagnosticSink, attribute: HclAttribute): number | undefined {
  const text = readString(sink, attribute.name, attribute.value);
  if (!text) return undefined;
  const ms = parseDuration(text.value);
  if (ms === undefined) {
    sink.add(text.location, `invalid duration "${text.value}" for ${attribute.name}: use e.g. "90s", "10m", "1h30m" or "500ms"`);
  }
  return ms;
}
