/** The protocol's constants: name and commit patterns and the bounds the API enforces on bodies. */

/** Owner and project names, and `.factory` names as written (steps in plans and reports follow STEP_NAME_PATTERN). */
export const NAME_PATTERN = '^[A-Za-z0-9_.-]{1,100}$';

/**
 * Names of pipelines, stages and executions in plans, reports and log chunks: a `.factory` name, or a matrix copy's
 * name, which adds its values in parentheses (`unit (node=18, db=mysql)`); at most 100 characters either way.
 */
export const STEP_NAME_PATTERN = '^(?=.{1,100}$)[A-Za-z0-9_.-]+(?: \\([A-Za-z0-9_]+=[A-Za-z0-9_.:/@+-]+(?:, [A-Za-z0-9_]+=[A-Za-z0-9_.:/@+-]+)*\\))?$';

/**
 * A run secret's name: an environment variable name, as `.factory` declares it (`secrets = ["NPM_TOKEN"]`) and as the
 * admin API stores it (`PUT /project/secret?name=`).
 */
export const SECRET_NAME_PATTERN = '^[A-Z_][A-Z0-9_]{0,99}$';

/** The most secrets one planned execution may declare. */
export const MAX_EXECUTION_SECRETS = 100;

/** A commit id as the run info gives it: 40 lowercase hex digits. */
export const COMMIT_SHA_PATTERN = '^[0-9a-f]{40}$';

/** The largest chunk of output (characters): one row of the log, and the most one read of GET /execution/log holds per chunk. */
export const MAX_LOG_CHUNK_CHARS = 256 * 1024;

/**
 * The largest chunk of output in bytes of UTF-8, as POST /agent/v1/logs' frames carry it: 4 × 256 KiB, room for any
 * MAX_LOG_CHUNK_CHARS characters (at most 3 bytes each). The agent cuts its chunks at 256 KiB.
 */
export const MAX_LOG_CHUNK_BYTES = 4 * MAX_LOG_CHUNK_CHARS;

/** The most chunks one POST /agent/v1/logs carries (consecutive, of one execution): 4 × 256 Ki = 1 Mi characters. */
export const MAX_LOG_BATCH_CHUNKS = 8;

/**
 * The most POST /agent/v1/logs an agent keeps in flight at once. The API stores a request only right after the chunks
 * it follows, so a second request that overtakes the first waits for it (briefly, then 503) rather than being stored
 * out of order.
 */
export const MAX_LOG_REQUESTS_IN_FLIGHT = 2;

/** The longest `reason` of a status report (characters); the agent shortens longer ones. */
export const MAX_REASON_CHARS = 10_000;

/** The longest command of a planned execution (characters). */
export const MAX_COMMAND_CHARS = 65_535;

/** The most schedules one plan may hold (`.factory` allows 20). */
export const MAX_PLAN_SCHEDULES = 20;

/** The most pipelines one plan may hold. */
export const MAX_PLAN_PIPELINES = 1000;

/** The highest `seq` of a log chunk (a signed 32-bit column). */
export const MAX_LOG_SEQ = 2_147_483_647;

/** The longest reason code and message of a skipped pipeline in a plan (characters). */
export const MAX_SKIP_REASON_CHARS = 100;
export const MAX_SKIP_MESSAGE_CHARS = 2000;

/** A manual trigger's input name (given to executions as INPUT_<NAME>): an environment variable name, at most 64. */
export const INPUT_NAME_PATTERN = '^[A-Z_][A-Z0-9_]{0,63}$';

/** The most inputs one manual trigger may give. */
export const MAX_INPUTS = 20;

/** The largest input value: 4 KiB of UTF-8 (the schemas bound the characters; the API also counts the bytes). */
export const MAX_INPUT_VALUE_BYTES = 4096;
