/** tokens create|list|revoke: the signed-in user's personal access tokens. */
import type { CreatedToken, TokenInfo } from './api-types.js';
import { integerFlag, uuidArgument } from './cli-args.js';
import { print, type Command } from './context.js';
import { TOKENS_USAGE, UsageError } from './usage.js';
import { tokensTable } from './views.js';

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const tokensCreateCommand: Command = {
  usage: TOKENS_USAGE,
  args: { options: { name: { type: 'string' }, 'expires-in-days': { type: 'string' } } },
  async run(args, context) {
    const name = str(args.values.name);
    if (name === undefined || name.trim() === '') throw new UsageError('--name is required (what the token is for, e.g. "laptop")');
    const days = integerFlag('expires-in-days', str(args.values['expires-in-days']), 1, 365);
    const api = await context.client();
    const created = await api.json<CreatedToken>('POST', '/user/tokens', { body: { name, ...(days !== undefined ? { expires_in_days: days } : {}) } });
    print(context, args, created, () => {
      const expires = created.expires_at ? `expires ${created.expires_at.slice(0, 10)}` : 'never expires';
      return `Created token ${created.name} (${created.id}, ${expires}):\n\n  ${created.token}\n\nCopy it now: it is not shown again.\n`;
    });
    return 0;
  },
};

export const tokensListCommand: Command = {
  usage: TOKENS_USAGE,
  args: { options: {} },
  async run(args, context) {
    const api = await context.client();
    const answer = await api.json<{ tokens: TokenInfo[] }>('GET', '/user/tokens');
    print(context, args, answer, () => tokensTable(answer.tokens, context.view()));
    return 0;
  },
};

export const tokensRevokeCommand: Command = {
  usage: TOKENS_USAGE,
  args: { options: {}, positionals: ['id'] },
  async run(args, context) {
    const id = uuidArgument('token id', args.positionals.id!);
    const api = await context.client();
    await api.json('DELETE', '/user/token', { query: { id } });
    print(context, args, { id, revoked: true }, () => `Revoked token ${id}.\n`);
    return 0;
  },
};
