/**
 * `status`, for an S3 that keeps objects in memory (LocalStack in a container): what it lacks of the
 * copy `down` saved, and what is lost for good. The archive code that reads the copy is loaded only
 * when there is a copy to read.
 */
import { existsSync } from 'node:fs';
import type { ComposeModel } from '../../config/compose/model.js';
import type { Endpoints } from '../../config/endpoints.js';
import { displayPath } from '../../context/host-project.js';
import type { Runtime } from '../../runtimes/runtime.js';
import { savedCopyPath } from '../../services/saved-objects/copy-file.js';
import { inMemoryS3Of, type InMemoryS3 } from '../../services/saved-objects/in-memory-s3.js';
import { lostAttachments } from '../../services/saved-objects/lost-attachments.js';

export interface SavedObjectsStatus {
  file: string;
  /** Objects in the saved copy (0 when there is none yet). */
  saved: number;
  /** Saved objects the running S3 lacks: `up` puts them back. */
  missing: number;
  sample: string[];
  /** Attachments of Element rows in neither the bucket nor the saved copy: lost with the S3's memory. */
  lost: string[];
}

/** The stack's S3 when it keeps its objects in memory; asked while Postgres and the bucket are. */
export function inMemoryS3(runtime: Runtime, compose: ComposeModel | undefined, endpoints: Endpoints, signal?: AbortSignal): Promise<InMemoryS3 | undefined> {
  return inMemoryS3Of(runtime, compose, endpoints, signal, { instance: false });
}

/**
 * What the in-memory S3 lacks. The lost attachments are the chat history's object keys
 * (`attachmentKeys`, read on status's own Postgres connection) found in neither the bucket nor the
 * copy: when Postgres could not be read (a problem reported already), they are left unsaid.
 */
export async function savedObjectsStatus(
  host: { dir: string; stateDir: string },
  memory: InMemoryS3,
  bucket: string | undefined,
  attachmentKeys: readonly string[] | undefined,
): Promise<SavedObjectsStatus> {
  const copy = savedCopyPath(host.stateDir);
  const found = existsSync(copy) ? await (await import('../../services/saved-objects/saved-copy.js')).missingFromRunning(host.stateDir, memory.settings) : undefined;
  const savedKeys = (bucket && found?.savedKeys.get(bucket)) || new Set<string>();
  const present = async (): Promise<ReadonlySet<string>> => {
    const [{ S3Client }, { S3Objects }] = await Promise.all([import('../../services/s3/client.js'), import('../../services/s3/objects.js')]);
    if (!bucket || !(await new S3Client(memory.settings).bucketExists(bucket))) return new Set();
    return new Set((await new S3Objects(memory.settings).list(bucket)).map((object) => object.key));
  };
  const lost = bucket && attachmentKeys ? await lostAttachments(attachmentKeys, present, savedKeys) : [];
  const missing = found?.missing ?? [];
  return {
    file: displayPath(host.dir, copy),
    saved: found?.saved ?? 0,
    missing: missing.length,
    sample: missing.slice(0, 5).map((item) => `${item.bucket}/${item.key}`),
    lost,
  };
}
