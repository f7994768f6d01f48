import Consul from 'consul';

/** A Consul client for an agent address such as http://127.0.0.1:8500 (https is honoured). */
export function consulFromUrl(url: string, token?: string): Consul {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:';
  return new Consul({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 443 : 80,
    secure,
    ...(token ? { defaults: { token } } : {}),
  });
}

/** The HTTP status of a failed Consul request, when it got that far. */
export function consulStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
