import { describe, expect, it } from 'vitest';
import { networkDetail, requestUrl } from './api-client.js';

describe('requests', () => {
  it('URLs keep the server\'s path and drop undefined query values', () => {
    expect(requestUrl('https://ci.example.com/factory', '/workflows', { project: 'p', limit: 5, branch: undefined, failed: true })).toBe(
      'https://ci.example.com/factory/workflows?project=p&limit=5&failed=true',
    );
    expect(requestUrl('http://h', '/me')).toBe('http://h/me');
  });
  it('network failures in words, with their code', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(networkDetail(refused)).toBe('connection refused (ECONNREFUSED)');
    const unknown = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }) });
    expect(networkDetail(unknown)).toBe('unknown host (ENOTFOUND)');
    expect(networkDetail(new TypeError('fetch failed', { cause: new Error('bad port') }))).toBe('bad port');
    expect(networkDetail(new DOMException('timed out', 'TimeoutError'))).toBe('no answer in time');
  });
});
