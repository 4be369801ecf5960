import { existsSync } from 'node:fs';
import path from 'node:path';
import { displayPath } from '../../context/host-project.js';
import type { HostConfig } from '../host-config.js';
import { DEFAULT_SUBMODULE_PATH } from '../keys.js';
import type { Findings } from './findings.js';
import { submoduleFilesHint } from './submodule-hint.js';

/** Where the submodule keeps its Prisma migrations: next to the compose file, else in the default submodule path. */
export function migrationsDirectory(config: HostConfig): string {
  const root = config.composeFile ? path.dirname(config.composeFile) : path.join(config.host.dir, DEFAULT_SUBMODULE_PATH);
  return path.join(root, 'prisma', 'migrations');
}

export function checkMigrationsFolder(findings: Findings): void {
  const { config } = findings;
  if (config.state === 'disabled') return;
  if (config.state === 'local' && (!config.composeFile || !existsSync(config.composeFile))) return; // reported already
  const dir = migrationsDirectory(config);
  if (!existsSync(dir)) {
    findings.warning({
      code: 'MIGRATIONS_NOT_FOUND',
      key: config.state === 'local' ? 'CHAINLIT_DATALAYER_COMPOSE' : undefined,
      message: `No Prisma migrations at ${displayPath(config.host.dir, dir)}; \`up\` and \`migrate\` cannot create the Chainlit schema.`,
      hint: submoduleFilesHint(config.host, path.dirname(path.dirname(dir))),
    });
  }
}
