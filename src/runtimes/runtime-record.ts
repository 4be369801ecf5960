import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from '../support/zod.js';
import { writeFileAtomic } from '../config/env/atomic-write.js';
import type { RuntimeKind } from './runtime.js';
import { keepProjectOwner } from '../support/project-owner.js';

/** What `.env` said when `up` started the stack, so a later `up` can tell what changed (the password only as a salted fingerprint). */
const StackSettingsSchema = z.object({
  postgresPort: z.int(),
  s3Port: z.int(),
  database: z.string(),
  user: z.string(),
  passwordFingerprint: z.string(),
});
export type StackSettings = z.infer<typeof StackSettingsSchema>;

/** Which runtime `up` used last, so that `down`, `status` and `logs` talk to the same one. */
const RuntimeRecordSchema = z.object({
  runtime: z.enum(['docker', 'native']),
  since: z.string(),
  project: z.optional(z.string()),
  /** Docker: the compose file `up` used, relative to the host, so `down` can stop it after `disable`. */
  composeFile: z.optional(z.string()),
  settings: z.optional(StackSettingsSchema),
  /**
   * Docker: the daemon socket whose API `up` found listing the same containers as `compose ps`, and
   * the `docker` client it came through; later commands read states there while the environment
   * still takes that route (see docker/proven-engine-api.ts); and the `docker compose` plugin's
   * version (and executable) when it was the engine (docker/docker-route.ts).
   */
  engineApi: z.optional(
    z.object({
      socket: z.string(),
      client: z.string(),
      compose: z.optional(z.string()),
      plugin: z.optional(z.object({ path: z.string(), file: z.string() })),
    }),
  ),
});
export type RuntimeRecord = z.infer<typeof RuntimeRecordSchema>;

function recordFile(stateDir: string): string {
  return path.join(stateDir, 'runtime.json');
}

export async function readRuntimeRecord(stateDir: string): Promise<RuntimeRecord | undefined> {
  let text: string;
  try {
    text = await readFile(recordFile(stateDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = RuntimeRecordSchema.safeParse(safeJson(text));
  // A damaged record says nothing reliable: treat it as absent, the next `up` rewrites it.
  return parsed.success ? parsed.data : undefined;
}

export async function writeRuntimeRecord(
  stateDir: string,
  runtime: RuntimeKind,
  details: { project?: string; composeFile?: string; settings?: StackSettings; engineApi?: RuntimeRecord['engineApi'] } = {},
): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const record: RuntimeRecord = {
    runtime,
    since: new Date().toISOString(),
    ...(details.project ? { project: details.project } : {}),
    ...(details.composeFile ? { composeFile: details.composeFile } : {}),
    ...(details.settings ? { settings: details.settings } : {}),
    ...(details.engineApi ? { engineApi: details.engineApi } : {}),
  };
  await writeFileAtomic(recordFile(stateDir), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await keepProjectOwner(stateDir, stateDir, recordFile(stateDir));
}

export async function removeRuntimeRecord(stateDir: string): Promise<void> {
  await rm(recordFile(stateDir), { force: true });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Reported as "no record" by the schema check above.
    return undefined;
  }
}
