/**
 * How GitHub reaches the project: the webhook FactoryCI created, or exactly what to add by hand; the last delivery
 * that started a run; and a new webhook secret (made in the browser, shown once).
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { paths } from '../../app';
import { useConfirm } from '../../components/confirm-dialog';
import { CopyButton } from '../../components/copy-button';
import { Failure, useLoad } from '../../components/load';
import { Age } from '../../components/time';
import { newWebhookSecret, rotationOutcome, whyManual, type RotationOutcome } from './rules';
import type { Project, Webhook } from './types';
import { useSave } from './use-save';

function LastDelivery({ webhook }: { webhook: Webhook }) {
  const last = webhook.last_delivery;
  if (!last) {
    return (
      <p class="muted">
        No delivery has started a run yet. Once the webhook is in place, push a commit: its run shows here (GitHub's ping does not count).
      </p>
    );
  }
  return (
    <p>
      Last delivery that started a run: <strong>{last.event.replace('_', ' ')}</strong>, <a href={paths.run(last.workflow_id)}>run #{last.number}</a>, <Age at={last.received_at} />.
    </p>
  );
}

function ManualSteps({ project, webhook }: { project: Project; webhook: Webhook }) {
  const url = webhook.url ?? `${location.origin}/hooks/github/${project.id}`;
  return (
    <>
      <p>Add this webhook to the repository (on GitHub: Settings → Webhooks → Add webhook):</p>
      <dl class="webhook-steps">
        <dt>Payload URL</dt>
        <dd>
          <code class="break">{url}</code> <CopyButton text={url} what="payload URL" />
          {!webhook.url && <p class="hint">PUBLIC_URL is not set, so this is the address of this page: use the one GitHub reaches FactoryCI at.</p>}
        </dd>
        <dt>Content type</dt>
        <dd>
          <code>application/json</code>
        </dd>
        <dt>Secret</dt>
        <dd>the project's webhook secret: make a new one below and paste it there</dd>
        <dt>Events</dt>
        <dd>
          "Let me select individual events": <strong>Pushes</strong> and <strong>Pull requests</strong> (<code>{webhook.events.join(', ')}</code>)
        </dd>
      </dl>
    </>
  );
}

function RotateSecret({ project }: { project: Project }) {
  const save = useSave([] as const);
  const [shown, setShown] = useState<{ secret: string; outcome: RotationOutcome } | null>(null);
  const { confirm, dialog } = useConfirm();
  const rotate = async () => {
    const yes = await confirm({
      title: 'Make a new webhook secret?',
      body: 'The old secret stops working at once: deliveries signed with it are refused until the repository webhook has the new one.',
      confirm: 'Make a new secret',
    });
    if (!yes) return;
    const secret = newWebhookSecret((array) => crypto.getRandomValues(array));
    await save.run(async () => {
      const answer = await ok(api.PUT('/project', { params: { query: { id: project.id } }, body: { webhook_secret: secret } }));
      setShown({ secret, outcome: rotationOutcome(answer) });
      return '';
    });
  };
  return (
    <div class="stack rotate">
      <h3>Webhook secret</h3>
      <p class="muted">FactoryCI checks every delivery's signature with it. It is never shown again after it is made.</p>
      {shown ? (
        <div class="new-secret stack">
          <p>
            <strong>The new secret</strong>, shown this once:
          </p>
          <div class="row">
            <code class="break secret-text">{shown.secret}</code>
            <CopyButton text={shown.secret} what="webhook secret" />
          </div>
          <p class={shown.outcome.tone === 'ok' ? 'ok-text' : 'warn-text'}>{shown.outcome.text}</p>
          <div>
            <button type="button" class="button" onClick={() => setShown(null)}>
              I have copied it — hide it
            </button>
          </div>
        </div>
      ) : (
        <div class="row">
          <button type="button" class="button" onClick={rotate} disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Make a new secret'}
          </button>
        </div>
      )}
      {save.error && (
        <p class="field-error" role="alert">
          {save.error.message}
        </p>
      )}
      {dialog}
    </div>
  );
}

export function WebhookSection({ project }: { project: Project }) {
  const webhook = useLoad(() => ok(api.GET('/project/webhook', { params: { query: { id: project.id } } })), [project.id, project.url]);
  return (
    <section class="card settings-section" id="webhook" aria-labelledby="webhook-title">
      <h2 id="webhook-title">Webhook</h2>
      {webhook.error && <Failure error={webhook.error} what="webhook" />}
      {!webhook.value && !webhook.error && (
        <p class="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {webhook.value && (
        <div class="stack">
          {webhook.value.status === 'created' ? (
            <p>
              <span class="pill ok">Created by FactoryCI</span> {webhook.value.message} (hook {webhook.value.hook_id}): GitHub sends pushes and pull requests to{' '}
              <code class="break">{webhook.value.url}</code>.
            </p>
          ) : (
            <>
              <p>
                <span class="pill warn">To add by hand</span> {whyManual(webhook.value.message)}
              </p>
              <ManualSteps project={project} webhook={webhook.value} />
            </>
          )}
          <LastDelivery webhook={webhook.value} />
        </div>
      )}
      <RotateSecret project={project} />
    </section>
  );
}
