#!/usr/bin/env node
// Offline code and migration generation for the store, for both providers.
//
// Prisma needs one provider per schema and one generated client per provider
// (the client embeds a provider-specific query compiler). We keep one
// hand-edited schema (prisma/schema.prisma, SQLite) and derive the PostgreSQL
// one from it, so the two can never drift apart model by model.
//
//   node prisma/generate.mjs                   derive prisma/postgresql.prisma, generate both clients
//   node prisma/generate.mjs --check           exit 1 if postgresql.prisma is stale or migrations lag the schema
//   node prisma/generate.mjs migration <name>  write the next migration for both providers
//
// Every step runs without a network: Prisma 6.19 with engineType "client" and
// prisma.config.ts's JS schema engine (see DESIGN.md). Generating clients needs
// no database. New migrations are diffed from the schema as it was at the last
// migration (kept in prisma/migrations/history/) rather than replayed into a
// shadow database, because the JS engine's SQLite adapter cannot replay
// multi-statement migrations. The JS engine still opens a connection before
// any PostgreSQL diff, so `migration` and `--check` need a reachable server:
// BLOCKQNN_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres
// (nothing is written to it).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The Prisma CLI wherever npm put it (hoisted or not); only a checkout has it (a devDependency). */
const prismaCli = () => createRequire(join(root, 'package.json')).resolve('prisma/build/index.js');
const sqliteSchema = join(root, 'prisma', 'schema.prisma');
const postgresSchema = join(root, 'prisma', 'postgresql.prisma');
const historyDir = join(root, 'prisma', 'migrations', 'history');
const migrationsDir = (provider) => join(root, 'prisma', 'migrations', provider);

const adminUrl = process.env.BLOCKQNN_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

// `derive` turns the SQLite schema text into this provider's schema text; the
// DATABASE_URL makes prisma.config.ts pick the provider.
const providers = [
  { name: 'sqlite', schema: sqliteSchema, databaseUrl: 'file::memory:', derive: (text) => text },
  { name: 'postgresql', schema: postgresSchema, databaseUrl: adminUrl, derive: derivePostgresSchema },
];

/** The PostgreSQL schema is the SQLite one with another datasource and client output. */
function derivePostgresSchema(source = readFileSync(sqliteSchema, 'utf8')) {
  const replacements = [
    [/provider = "sqlite"/, 'provider = "postgresql"'],
    [/url      = "file:\.\/blockqnn\.db"/, 'url      = "postgresql://postgres@127.0.0.1:5432/blockqnn"'],
    [/output                 = "\.\.\/src\/store\/generated\/sqlite"/, 'output                 = "../src/store/generated/postgresql"'],
  ];
  let derived = source;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(derived)) throw new Error(`prisma/schema.prisma no longer contains ${pattern}: update prisma/generate.mjs`);
    derived = derived.replace(pattern, replacement);
  }
  const header = '// GENERATED from prisma/schema.prisma by `node prisma/generate.mjs`: edit that file, not this one.\n';
  return header + derived;
}

function prisma(args, databaseUrl) {
  return execFileSync(process.execPath, [prismaCli(), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The SQLite schema as of the newest migration, or null before the first one. */
function lastMigratedSchema() {
  if (!existsSync(historyDir)) return null;
  const last = readdirSync(historyDir).filter((f) => /^\d{14}_\w+\.prisma$/.test(f)).sort().at(-1);
  return last === undefined ? null : readFileSync(join(historyDir, last), 'utf8');
}

/** SQL that takes the provider's database from the last migration to the current schema ('' when none). */
function pendingSql(provider) {
  const previous = lastMigratedSchema();
  const scratch = join(tmpdir(), `blockqnn-prisma-${process.pid}-${provider.name}.prisma`);
  if (previous !== null) writeFileSync(scratch, provider.derive(previous));
  const from = previous === null ? ['--from-empty'] : ['--from-schema-datamodel', scratch];
  try {
    const sql = prisma(['migrate', 'diff', ...from, '--to-schema-datamodel', relative(root, provider.schema), '--script'], provider.databaseUrl);
      return /^\s*-- This is an empty migration\.\s*$/.test(sql) ? '' : sql;
  } finally {
    rmSync(scratch, { force: true });
  }
}

function writeMigration(name) {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error('migration names use a-z, 0-9 and _');
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const pending = providers.map((provider) => [provider, pendingSql(provider)]);
  if (pending.every(([, sql]) => !sql)) {
    console.log('schema and migrations agree: nothing to write');
    return;
  }
  for (const [provider, sql] of pending) {
    const dir = join(migrationsDir(provider.name), `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'migration.sql'), sql);
    writeFileSync(
      join(migrationsDir(provider.name), 'migration_lock.toml'),
      `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider.name}"\n`,
    );
    console.log(`${provider.name}: wrote ${relative(root, dir)}/migration.sql`);
  }
  mkdirSync(historyDir, { recursive: true });
  writeFileSync(join(historyDir, `${stamp}_${name}.prisma`), readFileSync(sqliteSchema, 'utf8'));
}

function check() {
  const problems = [];
  if (!existsSync(postgresSchema) || readFileSync(postgresSchema, 'utf8') !== derivePostgresSchema()) {
    problems.push('prisma/postgresql.prisma is stale: run `node prisma/generate.mjs`');
  }
  for (const provider of providers) {
    if (pendingSql(provider)) problems.push(`${provider.name} migrations lag prisma/schema.prisma: run \`node prisma/generate.mjs migration <name>\``);
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log('prisma: schema, derived schema and migrations agree');
}

const [command, arg] = process.argv.slice(2);
// The installed package (npm install blockqnn-*.tgz) is not a checkout: its clients were generated
// and compiled into dist/ before packing, and neither the sources nor the Prisma CLI come with it.
const checkout = existsSync(join(root, 'src', 'store', 'store.ts'));
const shipped = ['sqlite', 'postgresql'].every((p) => existsSync(join(root, 'dist', 'store', 'generated', p, 'client.js')));
if (command === undefined && !checkout) {
  if (!shipped) {
    console.error('prisma: this install has neither the sources nor the generated clients in dist/store/generated: reinstall the package');
    process.exit(1);
  }
  process.exit(0);
} else if (command === '--check') {
  check();
} else {
  writeFileSync(postgresSchema, derivePostgresSchema());
  if (command === 'migration') {
    if (!arg) throw new Error('usage: node prisma/generate.mjs migration <name>');
    writeMigration(arg);
  } else if (command !== undefined) {
    throw new Error(`unknown command "${command}"; see the header of prisma/generate.mjs`);
  }
  for (const provider of providers) prisma(['generate', '--schema', relative(root, provider.schema)], provider.databaseUrl);
  console.log('prisma: generated src/store/generated/sqlite and src/store/generated/postgresql');
}
