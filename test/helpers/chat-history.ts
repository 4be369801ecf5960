import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import pg from 'pg';

/** How a test reaches one stack's S3. */
export interface S3Access {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

export function s3ClientOf(access: S3Access): S3Client {
  return new S3Client({
    endpoint: access.endpoint,
    region: 'eu-central-1',
    forcePathStyle: true,
    credentials: { accessKeyId: access.accessKey, secretAccessKey: access.secretKey },
  });
}

/**
 * A Chainlit-shaped history written as an app would: users, threads (tags, JSON metadata), steps
 * (some nested under others, text with tabs, newlines and backslashes), feedback with fractions
 * and NULLs, and elements whose objects are uploaded through the AWS SDK (a stream body for some).
 */
export async function seedChatHistory(url: string, s3: S3Access, counts: { steps: number; objects: number; tag: string }): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const keys: string[] = [];
  try {
    await client.query('BEGIN');
    const user = (await client.query<{ id: string }>(`INSERT INTO "User" (identifier, metadata) VALUES ($1, $2) RETURNING id`, [`${counts.tag}@example.com`, { plan: 'é ☃' }])).rows[0]!.id;
    const thread = (await client.query<{ id: string }>(`INSERT INTO "Thread" (name, metadata, "userId", tags) VALUES ($1, '{"a": [1, 2.5]}', $2, $3) RETURNING id`, [`Thread ${counts.tag}`, user, ['x', 'y z']])).rows[0]!.id;
    const steps: string[] = [];
    for (let i = 0; i < counts.steps; i++) {
      const parent = i % 4 === 0 ? null : (steps[steps.length - 1] ?? null);
      const row = await client.query<{ id: string }>(
        `INSERT INTO "Step" ("threadId", "parentId", name, type, input, output, metadata, "startTime", "endTime")
         VALUES ($1, $2, 'step', 'assistant_message', $3, $4, $5, now(), now() + interval '1.5 seconds') RETURNING id`,
        [thread, parent, `in ${i}\ttab\nline \\ slash`, i % 5 === 0 ? null : `out ${i}`, { i, ratio: i / 7 }],
      );
      steps.push(row.rows[0]!.id);
      if (i % 3 === 0) await client.query(`INSERT INTO "Feedback" ("stepId", name, value, comment) VALUES ($1, 'score', $2, $3)`, [row.rows[0]!.id, i / 3, i % 2 ? null : 'ok']);
    }
    for (let i = 0; i < counts.objects; i++) {
      const key = `${user}/${thread}/${counts.tag} file ${i}+v.bin`;
      keys.push(key);
      await client.query(`INSERT INTO "Element" ("threadId", "stepId", name, mime, "objectKey", display, metadata) VALUES ($1, $2, $3, 'application/pdf', $4, 'inline', '{}')`, [thread, steps[i % steps.length], `file ${i}`, key]);
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  const s3Client = s3ClientOf(s3);
  for (const [i, key] of keys.entries()) {
    const body = randomBytes(500 + ((i * 7919) % 40_000));
    await s3Client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        // Streams go out aws-chunked: what a Node app's uploads look like.
        Body: i % 2 === 0 ? Readable.from([body]) : body,
        ContentLength: body.length,
        ContentType: i % 2 === 0 ? 'application/pdf' : 'image/png',
        Metadata: { element: String(i), origin: counts.tag },
      }),
    );
  }
}

export interface HistorySnapshot {
  /** Every row of every table, as JSON text, in primary-key order. */
  tables: Record<string, string[]>;
  ledger: Array<Record<string, unknown>>;
  /** key → sha256, size, content type and metadata. */
  objects: Record<string, { sha256: string; size: number; contentType: string | undefined; metadata: Record<string, string> | undefined }>;
}

const TABLES = ['User', 'Thread', 'Step', 'Element', 'Feedback'];

/** Everything a restore must bring back, read independently of datalayer (SQL and the AWS SDK). */
export async function snapshotChatHistory(url: string, s3: S3Access): Promise<HistorySnapshot> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tables: Record<string, string[]> = {};
  let ledger: Array<Record<string, unknown>>;
  try {
    await client.query(`SET TimeZone = 'UTC'`);
    for (const table of TABLES) {
      tables[table] = (await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table}" t ORDER BY id`)).rows.map((r) => r.row);
    }
    ledger = (await client.query('SELECT * FROM _prisma_migrations ORDER BY migration_name')).rows;
  } finally {
    await client.end();
  }
  const s3Client = s3ClientOf(s3);
  const objects: HistorySnapshot['objects'] = {};
  let token: string | undefined;
  do {
    const page = await s3Client.send(new ListObjectsV2Command({ Bucket: s3.bucket, ContinuationToken: token }));
    for (const item of page.Contents ?? []) {
      const object = await s3Client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: item.Key! }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      objects[item.Key!] = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, contentType: object.ContentType, metadata: object.Metadata };
    }
    token = page.NextContinuationToken;
  } while (token);
  return { tables, ledger, objects };
}

export function rowCount(snapshot: HistorySnapshot): number {
  return Object.values(snapshot.tables).reduce((sum, rows) => sum + rows.length, 0);
}
