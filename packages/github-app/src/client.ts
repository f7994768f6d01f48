/**
 * The Octokit App client of the FactoryCI GitHub App (`@octokit/app` over `@octokit/core`), built the same way by the
 * API and the orchestrator: every request goes to the configured REST base with the `FactoryCI` user agent.
 */
import { App } from '@octokit/app';
import { Octokit } from '@octokit/core';
import type { GithubAppKey } from './settings.js';

/** Octokit bound to a REST API base (https://api.github.com, GitHub Enterprise Server's /api/v3, a stand-in). */
export function githubOctokit(apiUrl: string) {
  return Octokit.defaults({ baseUrl: apiUrl, userAgent: 'FactoryCI' });
}

export type GithubOctokit = ReturnType<typeof githubOctokit>;

export interface GithubAppClientSettings extends GithubAppKey {
  apiUrl: string;
  /** The App's OAuth client, for the user authorisation flow (the API). */
  oauth?: { clientId: string; clientSecret: string };
}

/** The App: `app.octokit` acts as the App (JWT), `app.getInstallationOctokit(id)` as one of its installations. */
export function createGithubApp(settings: GithubAppClientSettings) {
  return new App({
    appId: settings.appId,
    privateKey: settings.privateKey,
    ...(settings.oauth ? { oauth: settings.oauth } : {}),
    Octokit: githubOctokit(settings.apiUrl),
  });
}

export type GithubApp = ReturnType<typeof createGithubApp>;
