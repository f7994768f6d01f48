import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.js';
import { parseDeliveryBody, RawDelivery } from './delivery-body.js';

const json = (text: string) => new RawDelivery(Buffer.from(text), false);

describe('parseDeliveryBody', () => {
  it('reads a JSON object, or the form encoding\'s payload field', () => {
    expect(parseDeliveryBody(json('{"zen":"ok"}'))).toEqual({ zen: 'ok' });
    const form = new URLSearchParams({ payload: '{"zen":"form"}' }).toString();
    expect(parseDeliveryBody(new RawDelivery(Buffer.from(form), true))).toEqual({ zen: 'form' });
  });

  it('400 for malformed JSON, a form without payload, or JSON that is not an object', () => {
    expect(() => parseDeliveryBody(json('{"ref": '))).toThrow(BadRequestError);
    expect(() => parseDeliveryBody(json('{"ref": '))).toThrow(/^malformed JSON/);
    expect(() => parseDeliveryBody(new RawDelivery(Buffer.from('other=1'), true))).toThrow(/^malformed JSON/);
    for (const text of ['[]', 'null', '"x"', '42']) expect(() => parseDeliveryBody(json(text)), text).toThrow(new BadRequestError('the payload must be a JSON object'));
  });
});
