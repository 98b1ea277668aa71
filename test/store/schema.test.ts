/**
 * The checked-in schema, derived schema and migrations agree, and a database
 * migrated by the store has exactly the tables, columns, indexes and
 * constraints that Prisma derives from the schema from scratch, so the
 * migration SQL the store applies is what Prisma expects.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { BACKENDS, type TestDatabase } from './backends.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PRISMA = join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
const SCHEMAS = { sqlite: 'prisma/schema.prisma', postgresql: 'prisma/postgresql.prisma' } as const;

async function prisma(args: string[], databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [PRISMA, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('prisma schema and migrations', () => {
  it('derived schema and migrations are up to date with prisma/schema.prisma', async () => {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'prisma', 'generate.mjs'), '--check'], { cwd: ROOT });
    expect(`${stdout}${stderr}`).toContain('schema, derived schema and migrations agree');
  });

  for (const backend of BACKENDS) {
    it(`a ${backend.name} database migrated by the store matches the schema built from scratch`, async () => {
      const migrated = await backend.create();
      const scratch = await backend.create();
      try {
        await (await openStore(migrated.url)).close();
        const script = await prisma(
          ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', SCHEMAS[backend.name], '--script'],
          scratch.url,
        );
        expect(script.code, script.stderr).toBe(0);
        await scratch.script(script.stdout);
        const described = await describeDatabase(migrated);
        expect(JSON.stringify(described)).toContain('Candidate_runId_reward_sequence_idx');
        expect(described).toEqual(await describeDatabase(scratch));
        if (backend.name === 'sqlite') {
          // Prisma reads the store's migration history as its own.
          const status = await prisma(['migrate', 'status'], migrated.url);
          expect(status.stdout).toContain('Database schema is up to date');
        }
      } finally {
        await migrated.drop();
        await scratch.drop();
      }
    });
  }
});

/** Tables, columns, indexes and constraints, without the migration bookkeeping. */
async function describeDatabase(db: TestDatabase): Promise<unknown> {
  if (db.url.startsWith('file:')) {
    const tables = await db.sql(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations' ORDER BY name`,
    );
    const described: Record<string, unknown> = {};
    for (const { name } of tables) {
      const indexes = await db.sql(`SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name`, [name]);
      described[String(name)] = {
        columns: await db.sql(`SELECT * FROM pragma_table_info(?) ORDER BY cid`, [name]),
        foreignKeys: await db.sql(`SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY "from"`, [
          name,
        ]),
        indexes: await Promise.all(
          indexes.map(async (i) => ({ ...i, columns: await db.sql(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, [i.name]) })),
        ),
      };
    }
    return described;
  }
  return {
    columns: await db.sql(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1, 2`,
    ),
    indexes: await db.sql(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`,
    ),
    constraints: await db.sql(
      `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid NOT IN (SELECT oid FROM pg_class WHERE relname = '_prisma_migrations') ORDER BY 1`,
    ),
  };
}
