/**
 * A delivery's body: the bytes GitHub signed, and the JSON object they hold (JSON, or form-encoded `payload=<json>`).
 * The route keeps the bytes unparsed until the signature is checked, where it can be (see verification-order.ts).
 */
import { BadRequestError } from '../errors.js';

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_DELIVERY_BYTES = 25 * 1024 * 1024;

/** The bytes of a delivery as the route's content-type parser keeps them (nothing is parsed there). */
export class RawDelivery {
  constructor(
    readonly raw: Buffer,
    readonly form: boolean,
  ) {}
}

/** The JSON object of a delivery; 400 (BadRequestError) when it is not one. */
export function parseDeliveryBody(body: RawDelivery): Record<string, unknown> {
  const text = body.form ? (new URLSearchParams(body.raw.toString('utf8')).get('payload') ?? '') : body.raw.toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`malformed JSON: ${(error as Error).message}`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BadRequestError('the payload must be a JSON object');
  }
  return payload as Record<string, unknown>;
}
