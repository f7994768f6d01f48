/** A MySQL/MariaDB connection URL, split into what the drivers need. */
export interface DatabaseUrl {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  /** The database (schema) name; empty when the URL names none. */
  database: string;
  /** Query parameters, e.g. `connection_limit`. */
  params: URLSearchParams;
}

export class InvalidDatabaseUrlError extends Error {
  override readonly name = 'InvalidDatabaseUrlError';
}

const DATABASE_NAME = /^[A-Za-z0-9_$-]{1,64}$/;

/** Parses `mysql://user:password@host:port/database?param=value` (also `mariadb://`). */
export function parseDatabaseUrl(text: string): DatabaseUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidDatabaseUrlError('database URL is not a URL (expected mysql://user:password@host:port/database)');
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new InvalidDatabaseUrlError(`database URL must start with mysql:// (got ${url.protocol}//)`);
  }
  if (!url.hostname) throw new InvalidDatabaseUrlError('database URL has no host');
  const port = url.port ? Number(url.port) : 3306;
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database && !DATABASE_NAME.test(database)) {
    throw new InvalidDatabaseUrlError(`database name "${database}" may only contain letters, digits, _, $ and - (at most 64)`);
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    user: decodeURIComponent(url.username) || 'root',
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
    params: url.searchParams,
  };
}

/** The same server with another database name (used to create test databases and to connect before creating one). */
export function withDatabase(text: string, database: string): string {
  const url = new URL(text);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Quotes a validated identifier for MySQL. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
