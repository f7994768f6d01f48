/**
 * What the intake made of each delivery, for `factoryci_webhook_deliveries_total{outcome}`: the route notes the outcome
 * it knows before answering (`note`), and the response hook counts every delivery once its answer is sent — one that
 * failed by its status code alone. Pure but for the counting.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HookAnswerBody } from './answers.js';

export const DELIVERY_OUTCOMES = ['accepted', 'awaiting_approval', 'redelivery', 'handled', 'ignored', 'not_admitted', 'skipped', 'refused', 'unavailable', 'error'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/**
 * The outcome of an answer: 202 a run accepted (or awaiting approval), 200 a redelivery or an event handled without a
 * run (ping, installation), 204 an event that starts nothing.
 */
export function answerOutcome(code: number, body: HookAnswerBody | null): DeliveryOutcome {
  if (code === 202) return body?.status === 'awaiting_approval' ? 'awaiting_approval' : 'accepted';
  if (code === 200) return body?.redelivery === true ? 'redelivery' : 'handled';
  return code >= 400 ? statusOutcome(code) : 'ignored';
}

/** The outcome of a delivery that failed: 503 unavailable (database or budget), another 4xx refused, else error. */
export function statusOutcome(statusCode: number): DeliveryOutcome {
  if (statusCode === 503) return 'unavailable';
  if (statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'refused';
  return 'ignored';
}

export interface DeliveryCounter {
  /** What the route made of the delivery; the first note counts (an error answer overrides it). */
  note(request: FastifyRequest, outcome: DeliveryOutcome): void;
  /** An onResponse hook of the webhook routes: counts the delivery. */
  onResponse(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export function countDeliveries(counter: { inc(labels: { outcome: DeliveryOutcome }): void }): DeliveryCounter {
  const noted = new WeakMap<FastifyRequest, DeliveryOutcome>();
  return {
    note(request, outcome) {
      if (!noted.has(request)) noted.set(request, outcome);
    },
    async onResponse(request, reply) {
      const outcome = noted.get(request);
      counter.inc({ outcome: outcome === undefined || reply.statusCode >= 400 ? statusOutcome(reply.statusCode) : outcome });
    },
  };
}
