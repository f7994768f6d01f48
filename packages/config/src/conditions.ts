import type { DiagnosticSink } from './diagnostics.js';
import type { HclAttribute } from './hcl-document.js';
import { MAX_RETRIES, RETRY_TRIGGERS, RUN_CONDITIONS, type Execution, type RetryTrigger, type RunCondition } from './model.js';
import { didYouMean } from './suggest.js';
import { readString, readStringList } from './values.js';

/**
 * Reading `when` (stage, pipeline), `allow_failure` and `retry` / `retry_on` (execution): docs/factory-hcl.md,
 * "Conditions, allowed failures and retries".
 */

const ARTICLE: Record<string, string> = { number: 'a number', bool: 'a bool', list: 'a list', map: 'a map', expression: 'an expression' };
const quoted = (items: readonly string[]) => items.map((item) => `"${item}"`).join(', ');

/** `when = "on_success" | "on_failure" | "always"`; undefined when absent, null or wrong. */
export function readWhen(sink: DiagnosticSink, attribute: HclAttribute | undefined): RunCondition | undefined {
  if (!attribute) return undefined;
  const text = readString(sink, 'when', attribute.value);
  if (!text) return undefined;
  if ((RUN_CONDITIONS as readonly string[]).includes(text.value)) return text.value as RunCondition;
  sink.add(text.location, `unknown when "${text.value}"; when is one of ${quoted(RUN_CONDITIONS)}${didYouMean(text.value, RUN_CONDITIONS)}`);
  return undefined;
}

/**
 * A `when = "on_failure"` that can never hold: on the first stage of a pipeline (nothing before it can fail) or on a
 * pipeline without `depends_on`.
 */
export function checkWhenCanHold(sink: DiagnosticSink, attribute: HclAttribute | undefined, when: RunCondition | undefined, nothingBefore: string | undefined): void {
  if (attribute && when === 'on_failure' && nothingBefore !== undefined) {
    sink.add(attribute.value.location, `when = "on_failure" never holds here: ${nothingBefore}`);
  }
}

/** `allow_failure = true | false`. */
export function readAllowFailure(sink: DiagnosticSink, attribute: HclAttribute | undefined): boolean | undefined {
  if (!attribute) return undefined;
  const { value } = attribute;
  if (value.kind === 'bool') return value.value;
  if (value.kind === 'null') return undefined;
  const shown = value.kind === 'string' ? `the string "${value.value}" (write true or false without quotes)` : ARTICLE[value.kind] ?? value.kind;
  sink.add(value.location, `allow_failure must be a bool (true or false), not ${shown}`);
  return undefined;
}

/** `retry = N` (0..MAX_RETRIES, whole) and `retry_on = [...]` into an execution's policy. */
export function readRetry(sink: DiagnosticSink, retry: HclAttribute | undefined, retryOn: HclAttribute | undefined): Execution['retry'] {
  const max = retry && readRetryCount(sink, retry);
  const on = retryOn && readRetryOn(sink, retryOn);
  if (retryOn && retryOn.value.kind !== 'null' && (!retry || retry.value.kind === 'null')) {
    sink.add(retryOn.nameLocation, 'retry_on needs retry: add retry = 1 (the number of further attempts)');
    return undefined;
  }
  if (max === undefined || max === 0 || (retryOn && on === undefined)) return undefined;
  return { max, on: on ?? [...RETRY_TRIGGERS] };
}

function readRetryCount(sink: DiagnosticSink, attribute: HclAttribute): number | undefined {
  const { value } = attribute;
  if (value.kind === 'null') return undefined;
  if (value.kind !== 'number') {
    sink.add(value.location, `retry must be a whole number from 0 to ${MAX_RETRIES}, not ${value.kind === 'string' ? `the string "${value.value}"` : ARTICLE[value.kind] ?? value.kind}`);
    return undefined;
  }
  if (!Number.isInteger(value.value) || value.value < 0 || value.value > MAX_RETRIES) {
    sink.add(value.location, `retry ${value.value} is out of range: a whole number from 0 to ${MAX_RETRIES} (the further attempts after the first)`);
    return undefined;
  }
  return value.value;
}

function readRetryOn(sink: DiagnosticSink, attribute: HclAttribute): RetryTrigger[] | undefined {
  const list = readStringList(sink, 'retry_on', attribute.value);
  if (!list) return undefined;
  if (list.length === 0) {
    sink.add(attribute.value.location, 'retry_on must not be empty (leave it out to retry on every kind of failure)');
    return undefined;
  }
  const triggers: RetryTrigger[] = [];
  for (const item of list) {
    if (!(RETRY_TRIGGERS as readonly string[]).includes(item.value)) {
      sink.add(item.location, `unknown retry_on "${item.value}"; retry_on lists ${quoted(RETRY_TRIGGERS)}${didYouMean(item.value, RETRY_TRIGGERS)}`);
    } else if (triggers.includes(item.value as RetryTrigger)) sink.add(item.location, `retry_on lists "${item.value}" twice`);
    else triggers.push(item.value as RetryTrigger);
  }
  return triggers.length === list.length ? triggers : undefined;
}
