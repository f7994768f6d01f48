/** The file name the API gives (Content-Disposition), else `<fallback>.log` (letters, digits, `.`, `_`, `-`). Pure. */
export function downloadName(disposition: string | null, fallback: string): string {
  const match = /filename="([^"/\\]+)"/.exec(disposition ?? '');
  return match ? match[1]! : `${fallback.replace(/[^A-Za-z0-9._-]+/g, '_')}.log`;
}
