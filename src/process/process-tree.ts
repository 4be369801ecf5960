/**
 * The processes a child of ours started in turn. Stopping a child is not enough when it runs
 * others (`git submodule add` runs a shell, a helper, `git clone` and a transport): signalled
 * alone, the top process ends and its descendants go on writing. Read from /proc on Linux; where
 * there is none, only the child itself can be named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive } from './process-alive.js';

interface ProcessEntry {
  pid: number;
  parent: number;
  name: string;
}

/** `pid (name) state ppid ...`; the name may hold spaces and parentheses, so it ends at the last `)`. */
function readEntry(pid: number, procRoot: string): ProcessEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
  } catch (error) {
    // Gone between the listing and the read: it is no one's descendant any more.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw error;
  }
  const close = stat.lastIndexOf(')');
  const name = stat.slice(stat.indexOf('(') + 1, close);
  const parent = Number(stat.slice(close + 2).split(' ')[1]);
  return Number.isInteger(parent) ? { pid, parent, name } : undefined;
}

function processTable(procRoot: string): ProcessEntry[] | undefined {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch (error) {
    // No /proc (macOS, BSD): the tree cannot be read.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return names
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readEntry(Number(name), procRoot))
    .filter((entry): entry is ProcessEntry => entry !== undefined);
}

/**
 * The children of `parent` named `name` (the program's own name, as the kernel records it), and
 * all their descendants, parents before children. Empty where /proc cannot be read.
 */
export function childTrees(parent: number, name: string, procRoot = '/proc'): number[] {
  const table = processTable(procRoot);
  if (table === undefined) return [];
  const children = new Map<number, number[]>();
  for (const entry of table) children.set(entry.parent, [...(children.get(entry.parent) ?? []), entry.pid]);
  const tree = table.filter((entry) => entry.parent === parent && entry.name === name).map((entry) => entry.pid);
  for (let index = 0; index < tree.length; index += 1) tree.push(...(children.get(tree[index]!) ?? []));
  return tree;
}

/** Sends `signal` to each pid; one that has already ended is skipped. */
export function signalEach(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** Waits up to `graceMs` for every pid to end, then kills the ones still there. */
export async function reap(pids: readonly number[], graceMs = 3_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (pids.some(isProcessAlive) && Date.now() < deadline) await delay(50);
  signalEach(pids.filter(isProcessAlive), 'SIGKILL');
}
