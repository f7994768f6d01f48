/** A list a settings section loads from the API, as its failure, "Loading…", the sentence for none, or its table. */
import type { ComponentChildren } from 'preact';
import { Failure, type Loaded } from '../../components/load';
import { SaveOutcome } from './field';
import type { SaveState } from './use-save';

export interface Column {
  label: string;
  /** Shown on wide screens only. */
  wideOnly?: boolean;
}

/**
 * `columns`: the headers but the last, the (unlabelled) actions column each `row` ends with; `actions`: the save state
 * of those actions, told below the table.
 */
export function SettingsTable<T, F extends string>({
  list,
  what,
  empty,
  columns,
  row,
  actions,
}: {
  list: Loaded<T[]>;
  what: string;
  empty: ComponentChildren;
  columns: Column[];
  row(item: T): ComponentChildren;
  actions: SaveState<F>;
}) {
  return (
    <>
      {list.error && <Failure error={list.error} what={what} />}
      {!list.value && !list.error && (
        <p class="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {list.value?.length === 0 && <p class="empty">{empty}</p>}
      {list.value && list.value.length > 0 && (
        <table class="table settings-table">
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column.label} scope="col" class={column.wideOnly ? 'wide-only' : undefined}>
                  {column.label}
                </th>
              ))}
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>{list.value.map(row)}</tbody>
        </table>
      )}
      <SaveOutcome state={actions} block />
    </>
  );
}

/** A row's danger button (remove, delete), named for the row it acts on. */
export function RemoveButton({ label, onClick, children }: { label: string; onClick(): void; children: ComponentChildren }) {
  return (
    <button type="button" class="button small danger" onClick={onClick} aria-label={label}>
      {children}
    </button>
  );
}
