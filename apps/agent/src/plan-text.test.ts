import { describe, expect, it } from 'vitest';
import { formatServices } from './plan-text.js';

const at = { file: '.factory/runner.hcl', line: 3, column: 3 };

describe('formatServices', () => {
  it('lists each service with its image, ports and env names (not values), then a blank line', () => {
    expect(
      formatServices([
        { name: 'db', image: 'mariadb:11', env: { MARIADB_ROOT_PASSWORD: 'test' }, ports: [3306], location: at },
        { name: 'cache', image: 'redis:7', env: {}, ports: [], location: at },
      ]),
    ).toEqual([
      'with 2 services on localhost (started before the first stage):',
      '  db     mariadb:11  [ports 3306; env MARIADB_ROOT_PASSWORD]',
      '  cache  redis:7  [no ports]',
      '',
    ]);
  });

  it('says nothing without services', () => {
    expect(formatServices(undefined)).toEqual([]);
    expect(formatServices([])).toEqual([]);
  });
});
