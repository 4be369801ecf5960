/**
 * Whether an archive's rows fit the target's schema, judged by the migration ledgers: the same
 * migrations applied (name and checksum of migration.sql), none failed on either side. Rolled-back
 * rows do not count, as for Prisma.
 */
import type { LedgerEntry } from '../archive/manifest.js';

export interface LedgerDifference {
  /** Applied in the archive's database, not in the target's. */
  onlyInArchive: string[];
  /** Applied in the target, not in the archive's database. */
  onlyInTarget: string[];
  /** Applied on both sides from different migration.sql files. */
  changed: string[];
  /** Recorded as failed (unfinished) on either side. */
  failed: string[];
}

function applied(ledger: readonly LedgerEntry[]): Map<string, string> {
  return new Map(ledger.filter((row) => row.finishedAt !== null && row.rolledBackAt === null).map((row) => [row.migrationName, row.checksum]));
}

export function compareLedgers(archive: readonly LedgerEntry[], target: readonly LedgerEntry[]): LedgerDifference {
  const fromArchive = applied(archive);
  const inTarget = applied(target);
  const sorted = (names: Iterable<string>) => [...names].sort();
  return {
    onlyInArchive: sorted([...fromArchive.keys()].filter((name) => !inTarget.has(name))),
    onlyInTarget: sorted([...inTarget.keys()].filter((name) => !fromArchive.has(name))),
    changed: sorted([...fromArchive.entries()].filter(([name, checksum]) => inTarget.has(name) && inTarget.get(name) !== checksum).map(([name]) => name)),
    failed: sorted(new Set([...archive, ...target].filter((row) => row.finishedAt === null && row.rolledBackAt === null).map((row) => row.migrationName))),
  };
}

export function ledgersMatch(difference: LedgerDifference): boolean {
  return Object.values(difference).every((names) => names.length === 0);
}

/** What to tell the user, one sentence per kind of difference. */
export function describeDifference(difference: LedgerDifference): { message: string; hint: string } {
  const parts: string[] = [];
  const hints: string[] = [];
  if (difference.onlyInArchive.length > 0) {
    parts.push(`the archive's database had ${difference.onlyInArchive.join(', ')}, which the target has not applied`);
    hints.push('bring the target to the archive\'s schema: update the submodule (`datalayer update-submodule`), then `datalayer migrate`');
  }
  if (difference.onlyInTarget.length > 0) {
    parts.push(`the target has applied ${difference.onlyInTarget.join(', ')}, which the archive's database had not`);
    hints.push(
      'restore into a stack at the archive\'s schema (the submodule at the commit the backup was made with, then `datalayer up`), then update the submodule and `datalayer migrate` to bring the restored data forward',
    );
  }
  if (difference.changed.length > 0) {
    parts.push(`${difference.changed.join(', ')} ${difference.changed.length === 1 ? 'was' : 'were'} applied from a different migration.sql on each side`);
    hints.push('use the same submodule commit on both sides');
  }
  if (difference.failed.length > 0) {
    parts.push(`${difference.failed.join(', ')} ${difference.failed.length === 1 ? 'is' : 'are'} recorded as failed`);
    hints.push('resolve the failed migration first (`datalayer migrate --status` shows it)');
  }
  return {
    message: `The archive does not fit the target's schema: ${parts.join('; ')}. Nothing was changed.`,
    hint: `${hints.map((hint) => hint.charAt(0).toUpperCase() + hint.slice(1)).join('. ')}.`,
  };
}
