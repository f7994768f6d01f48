import { ApiError, LocalError, NothingFoundError, NotSignedInError, UnexpectedAnswerError, UnreachableError } from './errors.js';
import { UsageError } from './usage.js';

/** factoryctl's exit codes (docs/ctl.md). */
export const EXIT = {
  ok: 0,
  /** `logs --follow`: the run failed. */
  runFailed: 1,
  usage: 2,
  /** not signed in, or the server refused the token (401) or what it may do (403) */
  unauthorized: 3,
  notFound: 4,
  /** the server unreachable or failing, a run cancelled or in error, anything else */
  other: 5,
} as const;

/** What `logs --follow` exits with when the run ends in `status`. Pure. */
export function exitCodeForRunStatus(status: string): number {
  if (status === 'success') return EXIT.ok;
  if (status === 'failure') return EXIT.runFailed;
  return EXIT.other;
}

export interface Failure {
  code: number;
  /** One or more lines for stderr, each saying what went wrong and what to do. */
  message: string;
}

/** The exit code and the message of an error a command threw. Pure. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof UsageError) return { code: EXIT.usage, message: error.message };
  if (error instanceof NotSignedInError) {
    return {
      code: EXIT.unauthorized,
      message: `not signed in (no ${error.missing}): run "factoryctl login", or set FACTORY_SERVER and FACTORY_TOKEN`,
    };
  }
  if (error instanceof UnreachableError) {
    return {
      code: EXIT.other,
      message: `${error.message}\nIs the server running, and is the address right? (FACTORY_SERVER, or "factoryctl login --server <url>")`,
    };
  }
  if (error instanceof ApiError) return apiFailure(error);
  if (error instanceof UnexpectedAnswerError) {
    return { code: EXIT.other, message: `${error.server} did not answer as a FactoryCI server does: ${error.message}\nCheck the server address.` };
  }
  if (error instanceof NothingFoundError) return { code: EXIT.notFound, message: `not found: ${error.message}` };
  if (error instanceof LocalError) return { code: EXIT.other, message: error.message };
  return { code: EXIT.other, message: `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` };
}

function apiFailure(error: ApiError): Failure {
  const said = `${error.message}`;
  if (error.status === 401) {
    return {
      code: EXIT.unauthorized,
      message: `${error.server} refused the token (${said}).\nSign in again with "factoryctl login", or check FACTORY_TOKEN.`,
    };
  }
  if (error.status === 403) {
    return { code: EXIT.unauthorized, message: `not allowed: ${said}\nAsk an admin of the project for access, or use a token that has it.` };
  }
  if (error.status === 404) return { code: EXIT.notFound, message: `not found: ${said}` };
  if (error.status === 409) return { code: EXIT.other, message: `refused: ${said}` };
  if (error.status >= 500) {
    return { code: EXIT.other, message: `the server failed (${error.status} ${error.code}): ${said}\nTry again; if it persists, see the server's logs.` };
  }
  return { code: EXIT.other, message: `the server refused the request (${error.status} ${error.code}): ${said}` };
}
