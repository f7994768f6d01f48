import { describe, expect, it } from 'vitest';
import { ApiError, LocalError, NothingFoundError, NotSignedInError, UnexpectedAnswerError, UnreachableError } from './errors.js';
import { describeFailure, exitCodeForRunStatus } from './exit-codes.js';
import { UsageError } from './usage.js';

const S = 'https://ci.example.com';

describe('exit codes', () => {
  it.each([
    [new UsageError('missing <run>'), 2, 'missing <run>'],
    [new NotSignedInError('token'), 3, 'not signed in (no token): run "factoryctl login", or set FACTORY_SERVER and FACTORY_TOKEN'],
    [new ApiError(401, 'unauthorized', 'wrong admin token', S), 3, `${S} refused the token (wrong admin token).\nSign in again with "factoryctl login", or check FACTORY_TOKEN.`],
    [new ApiError(403, 'forbidden', 'read only', S), 3, 'not allowed: read only\nAsk an admin of the project for access, or use a token that has it.'],
    [new ApiError(404, 'not_found', 'no workflow x', S), 4, 'not found: no workflow x'],
    [new NothingFoundError('no project "web"'), 4, 'not found: no project "web"'],
    [new ApiError(409, 'conflict', 'workflow x is success', S), 5, 'refused: workflow x is success'],
    [new ApiError(400, 'bad_request', 'bad id', S), 5, 'the server refused the request (400 bad_request): bad id'],
    [new ApiError(503, 'unavailable', 'the database is unavailable', S), 5, 'the server failed (503 unavailable): the database is unavailable\nTry again; if it persists, see the server\'s logs.'],
    [new UnreachableError(S, 'connection refused (ECONNREFUSED)'), 5, `cannot reach the FactoryCI server at ${S}: connection refused (ECONNREFUSED)\nIs the server running, and is the address right? (FACTORY_SERVER, or "factoryctl login --server <url>")`],
    [new UnexpectedAnswerError(S, 'HTTP 200 <html>'), 5, `${S} did not answer as a FactoryCI server does: HTTP 200 <html>\nCheck the server address.`],
    [new LocalError('cannot write /x: EACCES'), 5, 'cannot write /x: EACCES'],
  ])('%s → %i', (error, code, message) => {
    expect(describeFailure(error)).toEqual({ code, message });
  });

  it('an unexpected error is 5 and says it is internal', () => {
    expect(describeFailure(new TypeError('boom'))).toMatchObject({ code: 5, message: expect.stringMatching(/^internal error: TypeError: boom/) });
  });

  it('logs --follow exits 0 on success, 1 on failure, 5 when cancelled or in error', () => {
    expect(['success', 'failure', 'cancelled', 'error'].map(exitCodeForRunStatus)).toEqual([0, 1, 5, 5]);
  });
});
