import type { AxiosInstance } from 'axios';
import { createHttpClient, type TlsOptions } from '../http/client';
import { requestWithRetry, type RetryPolicy } from '../http/retry';
import type { Logger } from '../util/log';
import { redact, registerSecret } from '../util/secrets';

/**
 * Slack incoming-webhook notifications. The webhook URL is a credential (whoever has it can post)
 * so it comes from SLACK_WEBHOOK_URL only and is masked everywhere. A notification is a courtesy:
 * when Slack fails we warn and the rollback goes on.
 */

export interface Notifier {
  /** Post a message; never throws. */
  post(text: string): Promise<void>;
}

export interface SlackOptions {
  logger: Logger;
  /** Only a CA file: --insecure is meant for an internal Marathon or registry, never for Slack. */
  tls?: Pick<TlsOptions, 'caFile'>;
  http?: AxiosInstance;
  timeoutMs?: number;
  retry?: RetryPolicy;
}

/**
 * A POST is sent again only when it cannot have reached Slack (refused, name not resolved): after
 * a 500 or a dropped connection the message may have been posted, and a rollback announced twice
 * reads like two rollbacks.
 */
const quickRetry: RetryPolicy = {
  retries: 2,
  baseDelayMs: 200,
  maxDelayMs: 2000,
  retryStatuses: new Set(),
};

/** A notifier for SLACK_WEBHOOK_URL, or undefined when it is not set. */
export function slackFromEnv(env: NodeJS.ProcessEnv, options: SlackOptions): Notifier | undefined {
  const url = env.SLACK_WEBHOOK_URL?.trim();
  if (!url) return undefined;
  registerSecret(url);
  try {
    const parsed = new URL(url);
    // The path carries the webhook's token; mask it on its own too (errors may quote only the path).
    registerSecret(parsed.pathname);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    options.logger.warn('SLACK_WEBHOOK_URL is not an http(s) URL; no Slack messages will be sent');
    return undefined;
  }
  const http =
    options.http ??
    createHttpClient({ tls: options.tls, timeoutMs: options.timeoutMs ?? 10_000, maxSockets: 1 });
  return {
    async post(text) {
      try {
        const response = await requestWithRetry(
          http,
          {
            method: 'POST',
            url,
            data: { text: redact(text) },
            headers: { 'Content-Type': 'application/json' },
            // The webhook host must not send us elsewhere with the message.
            maxRedirects: 0,
          },
          options.retry ?? quickRetry,
        );
        if (response.status < 200 || response.status >= 300) {
          const body = typeof response.data === 'string' ? `: ${response.data.slice(0, 100)}` : '';
          options.logger.warn(
            `Slack did not take the message (HTTP ${response.status}${body}); the rollback goes on`,
          );
        }
      } catch (err) {
        const e = err as { code?: string; message?: string };
        options.logger.warn(`cannot reach Slack (${e.code ?? e.message ?? 'error'}); the rollback goes on`);
      }
    },
  };
}
