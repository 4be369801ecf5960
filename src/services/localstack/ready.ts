import { ConfigError, NotReadyError } from '../../support/errors.js';
import { attemptBudget, pollUntil, type ProbeOutcome, type WaitOptions } from '../../support/poll.js';
import { describeNetworkError } from '../s3/errors.js';
import type { HttpAnswer } from '../../support/http-get.js';
import { httpGetLoopbackFirst } from '../loopback.js';
import { failedInitScripts, parseLocalstackHealth, parseLocalstackInit, s3IsUp, type LocalstackHealth } from './health.js';

/** `deadline` is shared by both phases; `check` throws e.g. when the LocalStack container has exited. */
export interface WaitForLocalstackOptions extends WaitOptions {
  /** Host-side endpoint, e.g. http://localhost:4566. */
  endpoint: string;
}

export interface LocalstackReady {
  version?: string;
  /** Init scripts that failed: reported, not fatal, because the bucket is ensured afterwards. */
  warnings: string[];
}

/**
 * Waits for S3 to be up in LocalStack, then for its ready.d init scripts to finish: health turns
 * green before the scripts have created the bucket.
 */
export async function waitForLocalstack(options: WaitForLocalstackOptions): Promise<LocalstackReady> {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const common = { ...options, label: `LocalStack at ${endpoint}` };
  const health = await pollUntil(() => probeHealth(endpoint, options), common);
  const warnings = await pollUntil(() => probeInit(endpoint, options), common);
  return health.version === undefined ? { warnings } : { version: health.version, warnings };
}

async function probeHealth(endpoint: string, options: WaitForLocalstackOptions): Promise<ProbeOutcome<LocalstackHealth>> {
  const answer = await getJson(`${endpoint}/_localstack/health`, options);
  if (!answer.ok) return { done: false, reason: answer.reason };
  const health = parseLocalstackHealth(answer.body);
  if (s3IsUp(health)) return { done: true, value: health };
  if (health.s3 === 'disabled') {
    throw new ConfigError(`LocalStack at ${endpoint} runs without S3 (service state "disabled").`, {
      hint: 'The LocalStack service in the compose file must enable S3 (SERVICES=s3).',
      data: { service: 'localstack' },
    });
  }
  if (health.s3 === 'error') {
    throw new NotReadyError(`LocalStack at ${endpoint} reports its S3 service in state "error".`, {
      hint: 'See `datalayer logs localstack` for the cause.',
      data: { service: 'localstack' },
    });
  }
  return { done: false, reason: `S3 service ${health.s3 ?? 'not listed yet'}` };
}

async function probeInit(endpoint: string, options: WaitForLocalstackOptions): Promise<ProbeOutcome<string[]>> {
  const answer = await getJson(`${endpoint}/_localstack/init/ready`, options);
  // Versions without init hooks do not know the path: nothing to wait for.
  if (!answer.ok && answer.status === 404) return { done: true, value: [] };
  if (!answer.ok) return { done: false, reason: answer.reason };
  const init = parseLocalstackInit(answer.body);
  if (!init.completed) return { done: false, reason: 'init scripts still running' };
  const warnings = failedInitScripts(init).map(
    (name) => `LocalStack init script ${name} failed; the bucket and its CORS rules are ensured by datalayer instead.`,
  );
  return { done: true, value: warnings };
}

type JsonAnswer = { ok: true; body: unknown } | { ok: false; status?: number; reason: string };

async function getJson(url: string, options: WaitForLocalstackOptions): Promise<JsonAnswer> {
  const timeout = AbortSignal.timeout(attemptBudget(options.deadline, 2_000));
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: HttpAnswer;
  try {
    response = await httpGetLoopbackFirst(url, { signal });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    return { ok: false, reason: describeNetworkError(error) };
  }
  if (response.status < 200 || response.status > 299) return { ok: false, status: response.status, reason: `answered HTTP ${response.status}` };
  try {
    return { ok: true, body: JSON.parse(response.text) as unknown };
  } catch {
    // A proxy or a half-started server can answer with non-JSON: treat it as not ready yet.
    return { ok: false, status: response.status, reason: 'answered something other than JSON' };
  }
}
