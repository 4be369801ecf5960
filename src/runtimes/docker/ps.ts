import * as z from '../../support/zod.js';
import { DatalayerError, ExitCode } from '../../support/errors.js';
import type { PublishedPort, ServiceRole, ServiceState } from '../runtime.js';

export interface ContainerPublisher {
  url: string;
  targetPort: number;
  /** 0 when the target port is exposed but not published on the host. */
  publishedPort: number;
  protocol: string;
}

/** One container as `compose ps --format json` describes it. */
export interface ContainerInfo {
  name: string;
  service: string;
  /** Absent in Compose 2.21-2.23. */
  project?: string;
  state: string;
  /** healthy, unhealthy, starting, or '' without a healthcheck. */
  health: string;
  status: string;
  exitCode: number;
  publishers: ContainerPublisher[];
}

const publisherSchema = z.object({
  URL: z._default(z.string(), ''),
  TargetPort: z.int(),
  PublishedPort: z._default(z.int(), 0),
  Protocol: z._default(z.string(), 'tcp'),
});

const containerSchema = z.object({
  Name: z.string(),
  Service: z.string(),
  Project: z.optional(z.string()),
  State: z.string(),
  Health: z._default(z.string(), ''),
  Status: z._default(z.string(), ''),
  ExitCode: z._default(z.int(), 0),
  // Early v2 releases print null when nothing is published.
  Publishers: z.optional(z.nullable(z.array(publisherSchema))),
});

function unreadable(reason: string, stdout: string): DatalayerError {
  const excerpt = stdout.trim().split(/\r?\n/)[0]?.slice(0, 120) ?? '';
  return new DatalayerError(ExitCode.internal, `Could not read the output of \`compose ps --format json\`: ${reason} (it began with: ${excerpt})`, {
    hint: 'This Compose version may print another format; please report it with the output of `docker compose version`.',
  });
}

function parseJson(text: string, stdout: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw unreadable(error instanceof Error ? error.message : String(error), stdout);
  }
}

/**
 * Reads both shapes Compose has printed: one JSON array (up to v2.20) and one JSON object per
 * line (v2.21 and later). Empty output means no containers.
 */
export function parseComposePs(stdout: string): ContainerInfo[] {
  const text = stdout.trim();
  if (text === '') return [];
  const entries: unknown[] = text.startsWith('[')
    ? asArray(parseJson(text, stdout), stdout)
    : text
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
        .map((line) => parseJson(line, stdout));
  return entries.map((entry) => {
    const parsed = containerSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw unreadable(`${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'unexpected shape'}`, stdout);
    }
    const raw = parsed.data;
    return {
      name: raw.Name,
      service: raw.Service,
      ...(raw.Project === undefined ? {} : { project: raw.Project }),
      state: raw.State,
      health: raw.Health,
      status: raw.Status,
      exitCode: raw.ExitCode,
      publishers: (raw.Publishers ?? []).map((p) => ({
        url: p.URL,
        targetPort: p.TargetPort,
        publishedPort: p.PublishedPort,
        protocol: p.Protocol,
      })),
    };
  });
}

function asArray(value: unknown, stdout: string): unknown[] {
  if (!Array.isArray(value)) throw unreadable('expected a JSON array', stdout);
  return value;
}

/** Published host ports, once each: Docker lists an IPv4 and an IPv6 binding for the same port. */
export function publishedPorts(publishers: readonly ContainerPublisher[]): PublishedPort[] {
  const seen = new Map<string, PublishedPort>();
  for (const publisher of publishers) {
    if (publisher.publishedPort === 0) continue;
    const key = `${publisher.publishedPort}:${publisher.targetPort}`;
    if (!seen.has(key)) seen.set(key, { published: publisher.publishedPort, target: publisher.targetPort });
  }
  return [...seen.values()].sort((a, b) => a.published - b.published);
}

export function toServiceState(info: ContainerInfo, roleOf?: (service: string) => ServiceRole | undefined): ServiceState {
  const role = roleOf?.(info.service);
  return {
    name: info.service,
    ...(role === undefined ? {} : { role }),
    state: info.state,
    health: info.health,
    exitCode: info.exitCode,
    ports: publishedPorts(info.publishers),
    container: info.name,
  };
}
