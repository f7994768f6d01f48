/** The cancel notices the API publishes on Redis (`CANCEL_CHANNEL`), collected for the tests that cancel runs. */
import { CANCEL_CHANNEL } from '@factoryci/queue';
import { Redis } from 'ioredis';
import { REDIS_URL } from './harness.js';

export interface CancelNotices {
  /** The workflow ids published so far, in order. */
  published: string[];
  close(): void;
}

/** Subscribes to the cancel channel; resolves once subscribed, so no notice published after is missed. */
export async function listenForCancels(): Promise<CancelNotices> {
  const published: string[] = [];
  const subscriber = new Redis(REDIS_URL);
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === CANCEL_CHANNEL) published.push(message);
  });
  await subscriber.subscribe(CANCEL_CHANNEL);
  return { published, close: () => subscriber.disconnect() };
}
