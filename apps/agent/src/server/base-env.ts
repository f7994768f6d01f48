/**
 * The base environment of executions in a server run: a few harmless variables of the agent's own environment, never
 * the rest of it (which holds FACTORY_RUN_TOKEN and whatever else the pod was given).
 */
const PASSED = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'HOSTNAME', 'TERM', 'TMPDIR', 'TZ', 'LANG', 'LANGUAGE',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
]);

export function serverBaseEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (PASSED.has(name) || name.startsWith('LC_'))) base[name] = value;
  }
  base.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return base;
}
