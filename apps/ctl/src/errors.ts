/** The ways a command fails besides a wrong command line (usage.ts); exit-codes.ts maps each to a code and a message. */

/** The server answered with an error status. `code` and `message` are the API's `{"error","message"}` when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly server: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server could not be reached (refused, unknown host, timed out, connection cut). */
export class UnreachableError extends Error {
  constructor(
    readonly server: string,
    readonly detail: string,
  ) {
    super(`cannot reach the FactoryCI server at ${server}: ${detail}`);
    this.name = 'UnreachableError';
  }
}

/** No server or no token: neither FACTORY_SERVER/FACTORY_TOKEN nor a stored login. */
export class NotSignedInError extends Error {
  constructor(readonly missing: 'server' | 'token') {
    super(`no ${missing} to use`);
    this.name = 'NotSignedInError';
  }
}

/** The server answered, but not as the FactoryCI API does (e.g. an HTML page from a proxy at that address). */
export class UnexpectedAnswerError extends Error {
  constructor(
    readonly server: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnexpectedAnswerError';
  }
}

/** Something local failed in a way the user can act on (e.g. the config file cannot be written); its message says how. */
export class LocalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalError';
  }
}

/** What a name or number names does not exist (found out by factoryctl, e.g. a project name no project has). */
export class NothingFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NothingFoundError';
  }
}
