import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/services/archive/manifest.js';
import { loadOrder, type CatalogTable } from '../../src/services/database-archive/catalog.js';
import { copyOutSql, orderByOf } from '../../src/services/database-archive/canonical-copy.js';
import { compareLedgers, describeDifference, ledgersMatch } from '../../src/services/database-archive/ledger-match.js';

const table = (name: string, references: string[] = [], extra: Partial<CatalogTable> = {}): CatalogTable => ({
  name,
  columns: ['id'],
  primaryKey: ['id'],
  collatable: [],
  references,
  ...extra,
});

describe('load order from foreign keys', () => {
  it('puts every table after the ones it references, ties by name (Chainlit: User, Thread, Step, Element, Feedback)', () => {
    const { order, cycle } = loadOrder([
      table('Feedback', ['Step']),
      table('Element', ['Thread', 'Step']),
      table('Step', ['Thread']),
      table('Thread', ['User']),
      table('User'),
      table('_prisma_migrations'),
    ]);
    expect(order.map((t) => t.name)).toEqual(['User', '_prisma_migrations', 'Thread', 'Step', 'Element', 'Feedback']);
    expect(cycle).toEqual([]);
  });

  it('tables that reference each other are named as a cycle, not loaded in a wrong order', () => {
    const { order, cycle } = loadOrder([table('A', ['B']), table('B', ['A']), table('C')]);
    expect(order.map((t) => t.name)).toEqual(['C']);
    expect(cycle).toEqual(['A', 'B']);
  });
});

describe('canonical COPY text', () => {
  it('orders by primary key, text compared byte-wise; by the whole row without one', () => {
    expect(orderByOf(table('User', [], { primaryKey: ['id'], collatable: [] }))).toEqual(['t."id"']);
    expect(orderByOf(table('Tag', [], { primaryKey: ['name', 'n'], collatable: ['name'] }))).toEqual(['t."name" COLLATE "C"', 't."n"']);
    expect(orderByOf(table('Log', [], { primaryKey: [] }))).toEqual(['(t.*)::text COLLATE "C"']);
  });

  it('quotes names, so a table or column called anything is read as itself', () => {
    expect(copyOutSql('public', table('we"ird', [], { columns: ['a b', 'c"d'] }))).toBe(
      'COPY (SELECT t."a b", t."c""d" FROM "public"."we""ird" AS t ORDER BY t."id") TO STDOUT',
    );
  });
});

const row = (migrationName: string, checksum: string, state: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id: `id-${migrationName}`,
  checksum,
  migrationName,
  startedAt: '2026-01-01T00:00:00.000000Z',
  finishedAt: '2026-01-01T00:00:01.000000Z',
  rolledBackAt: null,
  appliedStepsCount: 1,
  logs: null,
  ...state,
});

describe('ledgers compared', () => {
  it('the same migrations with other ids and times match (the target applied them itself)', () => {
    const archive = [row('1_init', 'aa'), row('2_tags', 'bb')];
    const target = [row('1_init', 'aa', { id: 'other', startedAt: 'later' }), row('2_tags', 'bb', { id: 'other2' })];
    expect(ledgersMatch(compareLedgers(archive, target))).toBe(true);
  });

  it('rolled-back rows do not count; failed rows, other checksums and missing migrations do', () => {
    const archive = [row('1_init', 'aa'), row('2_tags', 'bb'), row('3_old', 'cc', { rolledBackAt: '2026-01-02T00:00:00Z' })];
    const target = [row('1_init', 'zz'), row('4_new', 'dd'), row('5_broken', 'ee', { finishedAt: null })];
    const difference = compareLedgers(archive, target);
    expect(difference).toEqual({ onlyInArchive: ['2_tags'], onlyInTarget: ['4_new'], changed: ['1_init'], failed: ['5_broken'] });
    const { message, hint } = describeDifference(difference);
    expect(message).toContain("the archive's database had 2_tags, which the target has not applied");
    expect(message).toContain('the target has applied 4_new');
    expect(message).toMatch(/Nothing was changed\.$/);
    expect(hint).toMatch(/datalayer migrate/);
  });
});
