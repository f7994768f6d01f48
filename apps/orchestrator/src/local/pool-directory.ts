/** An idle agent's directory in the state directory: hidden, so that no run id (a letter or digit first) names it. */
export const POOL_DIRECTORY_PREFIX = '.pool-';
