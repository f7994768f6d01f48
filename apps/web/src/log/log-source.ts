/**
 * Where the log viewer gets its text: GET /execution/log (all of it, or for a large log its last lines, then earlier
 * byte ranges), and the raw log as a file to save. Fetched with the same credentials as every call (a pasted token
 * cannot go with a plain link).
 */
import { ApiFailure, credentialHeaders } from '../api/client';
import { downloadName } from './download-name';
import { earlierRange, tailStartByte, wholeLines } from './earlier-range';

/** Above this size a log opens at its end (its last TAIL_LINES lines) and loads earlier ranges as the reader scrolls up. */
export const LARGE_LOG_BYTES = 5 * 1024 * 1024;
export const TAIL_LINES = 20_000;
/** How much one earlier range holds. */
export const EARLIER_BYTES = 1024 * 1024;

export interface LoadedLog {
  text: string;
  /** The id of the last chunk `text` includes: the events stream continues after it. */
  lastChunkId: string;
  /** The byte where `text` begins in the log (0: from its start). */
  startByte: number;
}

async function logResponse(query: string, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`/execution/log?${query}`, { headers: credentialHeaders('GET'), credentials: 'same-origin', signal: signal ?? null });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiFailure(0, 'network', `FactoryCI could not be reached (${(error as Error).message}): check your connection and retry`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
    throw new ApiFailure(response.status, body.error ?? 'error', body.message ?? `${response.status} ${response.statusText}`);
  }
  return response;
}

const header = (response: Response, name: string): string => response.headers.get(name) ?? '0';

/** The whole log, or for one over LARGE_LOG_BYTES its last lines. */
export async function loadLog(executionId: string, signal?: AbortSignal): Promise<LoadedLog> {
  const id = encodeURIComponent(executionId);
  const whole = await logResponse(`id=${id}`, signal);
  if (Number(header(whole, 'x-log-bytes')) <= LARGE_LOG_BYTES) {
    return { text: await whole.text(), lastChunkId: header(whole, 'x-log-last-chunk-id'), startByte: 0 };
  }
  await whole.body?.cancel();
  const tail = await logResponse(`id=${id}&tail=${TAIL_LINES}`, signal);
  const text = await tail.text();
  return { text, lastChunkId: header(tail, 'x-log-last-chunk-id'), startByte: tailStartByte(Number(header(tail, 'x-log-bytes')), text) };
}

/** The whole lines before byte `startByte` (at most EARLIER_BYTES of them), and the byte where they begin. */
export async function loadEarlier(executionId: string, startByte: number, signal?: AbortSignal): Promise<{ text: string; startByte: number }> {
  const { from, to } = earlierRange(startByte, EARLIER_BYTES);
  const response = await logResponse(`id=${encodeURIComponent(executionId)}&from_byte=${from}`, signal);
  const wanted = to - from;
  const bytes = new Uint8Array(wanted);
  let have = 0;
  const reader = response.body!.getReader();
  while (have < wanted) {
    const { done, value } = await reader.read();
    if (done) break;
    const take = Math.min(value.length, wanted - have);
    bytes.set(value.subarray(0, take), have);
    have += take;
  }
  await reader.cancel();
  return wholeLines(new TextDecoder().decode(bytes.subarray(0, have)), from);
}

/** Saves the raw log as a file: fetched with credentials, handed to the browser as a Blob. */
export async function downloadLog(executionId: string, fallbackName: string): Promise<void> {
  const response = await logResponse(`id=${encodeURIComponent(executionId)}&download=true`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = downloadName(response.headers.get('content-disposition'), fallbackName);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
