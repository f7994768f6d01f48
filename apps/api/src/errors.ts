import { LOG_FULL_ERROR } from '@factoryci/agent-protocol';
/**
 * One error class per failure kind; the app's error handler (app.ts) maps them to HTTP statuses. Routes throw these
 * and never set error statuses themselves.
 */
export abstract class ApiError extends Error {
  abstract readonly statusCode: number;
  /** Stable machine-readable code, sent as `error` in the body. */
  abstract readonly code: string;
}

/** The request is not valid (beyond what the JSON schemas catch). */
export class BadRequestError extends ApiError {
  readonly statusCode = 400;
  readonly code = 'bad_request';
}

/** Missing or wrong credentials (admin token, access token, session, password, webhook signature). */
export class UnauthorizedError extends ApiError {
  readonly statusCode = 401;
  readonly code = 'unauthorized';
}

/**
 * The caller is known but may not do this (a role that reads a project but may not change it, a session's request
 * without its CSRF token, a GitHub user without access to an installation).
 */
export class ForbiddenError extends ApiError {
  readonly statusCode = 403;
  readonly code = 'forbidden';
}

export class NotFoundError extends ApiError {
  readonly statusCode = 404;
  readonly code = 'not_found';
}

/** A duplicate (owner name, project name, repository) or a deletion that would orphan data. */
export class ConflictError extends ApiError {
  readonly statusCode = 409;
  readonly code = 'conflict';
}

/** A feature that needs configuration which this server does not have (e.g. the GitHub App). */
export class NotConfiguredError extends ApiError {
  readonly statusCode = 501;
  readonly code = 'not_configured';
}

/** GitHub answered with an error or could not be reached. */
export class UpstreamError extends ApiError {
  readonly statusCode = 502;
  readonly code = 'github_error';
}

/** A dependency the request needs (MySQL) is down; the client should retry. */
export class ServiceUnavailableError extends ApiError {
  readonly statusCode = 503;
  readonly code = 'unavailable';
}

/**
 * Log chunks that came before the chunks they follow (an agent keeps two requests in flight): retry once those are
 * stored. 503 so that an agent's client retries it with backoff.
 */
export class LogOutOfOrderError extends ApiError {
  readonly statusCode = 503;
  readonly code = 'out_of_order';
}

/** A body too large for what it is (e.g. an unverified webhook delivery over the size parsed before its signature). */
export class PayloadTooLargeError extends ApiError {
  readonly statusCode = 413;
  readonly code = 'payload_too_large';
}

/** An execution's log reached its cap: the agent drops that execution's further output (LOG_FULL_ERROR). */
export class LogFullError extends ApiError {
  readonly statusCode = 413;
  readonly code = LOG_FULL_ERROR;
}

/** Too many failed attempts (sign-in); the client waits `Retry-After` seconds. */
export class TooManyRequestsError extends ApiError {
  readonly statusCode = 429;
  readonly code = 'too_many_requests';
}
