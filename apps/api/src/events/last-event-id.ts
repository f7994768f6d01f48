/**
 * Where a workflow's events stream resumes: the `Last-Event-ID` header (EventSource sends it on reconnect) or the
 * `last_event_id` query parameter (for clients that cannot set headers), the header first. Event ids are the
 * `log_chunks.id` of the last chunk sent, so the stream resumes with the chunks after it. Pure.
 */

/** The log cursor to resume after: 0 (from the start) when none is given; undefined when what is given is not an id. */
export function resumeCursor(header: string | string[] | undefined, query: string | undefined): bigint | undefined {
  const given = (Array.isArray(header) ? header[0] : header)?.trim() || query?.trim() || '';
  if (given === '') return 0n;
  if (!/^[0-9]{1,19}$/.test(given)) return undefined;
  const cursor = BigInt(given);
  return cursor <= 9223372036854775807n ? cursor : undefined;
}
