/** The human report of `init`: what changed and where, what to commit, what to run next. */
import type { InitResult } from './run.js';
import { STATE_WORDS } from '../../config/host-config.js';
import { formatDiagnostics } from '../../report/format-diagnostics.js';
import type { Style } from '../../report/style.js';

export function renderInit(result: InitResult, style: Style): string {
  const { data } = result;
  const mark = style.ok('✔');
  const would = data.dryRun ? 'would be ' : '';
  const lines: string[] = [];
  const submodule = data.submodule;
  if (submodule && submodule.action !== 'unchanged') {
    const verb = submodule.action === 'added' ? `${would}added from ${submodule.url}` : `${would}checked out`;
    lines.push(`${mark} submodule ${submodule.path} ${verb}${submodule.commit ? ` at ${submodule.commit.slice(0, 7)}` : ''}`);
  }
  for (const change of data.changes) lines.push(`${mark} ${describeChange(change, would)}`);
  if (lines.length === 0) {
    lines.push(`${mark} nothing to change: the submodule, .env and .gitignore are already set up.`);
  }
  if (data.composeFile) lines.push(`  CHAINLIT_DATALAYER_COMPOSE → ${data.composeFile}`);
  if (result.diagnostics.length > 0) lines.push('', formatDiagnostics(result.diagnostics, style), '');
  if (data.dryRun) {
    lines.push(style.dim('Dry run: nothing was written.'));
  } else if (data.submoduleFilesMissing) {
    lines.push(`Data layer: off for now: ${data.submoduleFilesMissing} has no compose file nor migrations, so the data-layer block of .env is commented out.`);
  } else {
    lines.push(`Data layer: ${STATE_WORDS[data.state]}`);
    if (data.commitCommand) lines.push(`Commit the submodule with: ${style.code(data.commitCommand)}`);
  }
  if (data.submoduleFilesMissing) {
    lines.push(`Next: get chainlit-datalayer into ${data.submoduleFilesMissing}, turn the block on, and start:`);
    for (const step of data.nextSteps) lines.push(`  ${step.startsWith('datalayer') ? style.command(step) : style.code(step)}`);
    lines.push(style.dim('(Or, for a PostgreSQL of your own: uncomment DATABASE_URL in .env, point it at your server, and run `datalayer up`.)'));
  } else {
    lines.push(`Next: ${style.command(data.nextCommandLine)}`);
  }
  return lines.join('\n');
}

function describeChange(change: InitResult['data']['changes'][number], would: string): string {
  const keys = change.keys && change.keys.length > 0 ? `: ${change.keys.join(', ')}` : '';
  if (change.action === 'create') {
    const from = change.from === '.env.example' ? ' from .env.example' : change.from === 'template' ? ' from the built-in template' : '';
    if (change.file === '.gitignore') return `${change.file} ${would}created${keys}`;
    const count = change.keys?.length ?? 0;
    const secret = change.keys?.includes('CHAINLIT_AUTH_SECRET') ? ', with a new random CHAINLIT_AUTH_SECRET' : '';
    // From .env.example, the keys listed are the ones changed on the way (the secret), not the file's.
    const size = change.from === '.env.example' ? '' : `, ${count} key${count === 1 ? '' : 's'}`;
    return `${change.file} ${would}created${from} (mode 0600${size}${secret})`;
  }
  if (change.action === 'append') return `${change.file}: ${would}added ${keys.slice(2)}`;
  return `${change.file}: ${would}set ${keys.slice(2)}${change.keys?.includes('CHAINLIT_AUTH_SECRET') ? ' (a new random secret; the value is not shown)' : ''}`;
}
