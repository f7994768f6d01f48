import type { FastifySchemaValidationError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { MIN_SECRET_CHARS, secretValueErrorFormatter, SHORT_SECRET_MESSAGE } from './secret-value.js';

const error = (over: Partial<FastifySchemaValidationError>): FastifySchemaValidationError => ({
  keyword: 'minLength',
  instancePath: '/value',
  schemaPath: '#/properties/value/minLength',
  params: { limit: MIN_SECRET_CHARS },
  message: `must NOT have fewer than ${MIN_SECRET_CHARS} characters`,
  ...over,
});

describe('secretValueErrorFormatter', () => {
  it('says why a value shorter than 4 characters is refused', () => {
    expect(secretValueErrorFormatter([error({})], 'body').message).toBe(SHORT_SECRET_MESSAGE);
    expect(SHORT_SECRET_MESSAGE).toMatch(/at least 4 characters/);
  });

  it('other errors read as Fastify\'s own', () => {
    expect(secretValueErrorFormatter([error({ keyword: 'maxLength', message: 'must NOT have more than 262144 characters' })], 'body').message).toBe(
      'body/value must NOT have more than 262144 characters',
    );
    expect(secretValueErrorFormatter([error({ keyword: 'pattern', instancePath: '/name', message: 'must match pattern "x"' })], 'querystring').message).toBe(
      'querystring/name must match pattern "x"',
    );
  });
});
