import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { signPayload } from '../../apps/api/src/webhooks/signature.js';

export interface Delivery {
  event: string;
  payload: unknown;
  /** Signs with this secret; omit to send no signature. */
  secret?: string;
  /** Sends this exact signature header instead. */
  signature?: string;
  delivery?: string;
  body?: string;
}

/** Sends a delivery the way GitHub does: JSON body, X-GitHub-Event/-Delivery, X-Hub-Signature-256 over the bytes. */
export function deliver(app: FastifyInstance, d: Delivery) {
  const body = d.body ?? JSON.stringify(d.payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/abc123',
    'x-github-event': d.event,
    'x-github-delivery': d.delivery ?? randomUUID(),
    'x-github-hook-id': '12345',
  };
  const signature = d.signature ?? (d.secret === undefined ? undefined : signPayload(d.secret, body));
  if (signature !== undefined) headers['x-hub-signature-256'] = signature;
  return app.inject({ method: 'POST', url: '/hooks/github', headers, payload: body });
}
