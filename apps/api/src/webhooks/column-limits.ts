/**
 * The lengths of the columns (prisma/schema.prisma, `@db.VarChar(n)`) that values of webhook payloads are written to,
 * and the range of the integer columns: the intake checks payloads against them before anything is written, so a
 * value that does not fit is a 400, not a database error. `column-limits.test.ts` keeps them equal to the schema.
 */
export const COLUMN_LIMITS = {
  Workflow: { ref: 255, branch: 255, tag: 255, headRepoFullName: 200, sender: 100, commitMessage: 1000, commitAuthor: 100 },
  Owner: { name: 100, githubLogin: 100, githubType: 20 },
  Installation: { accountLogin: 100, accountType: 20, repositorySelection: 20 },
  InstallationRepository: { fullName: 200 },
  Project: { githubFullName: 200 },
} as const;

/** The largest value of an `Int` column (MySQL INT, signed 32 bits), e.g. a pull request's number. */
export const MAX_INT_COLUMN = 2_147_483_647;

/** GitHub's ids (repositories, installations, accounts) land in `BigInt` columns; JSON numbers are exact up to here. */
export const MAX_GITHUB_ID = Number.MAX_SAFE_INTEGER;
