/**
 * NAS-Bench-201 candidates are stored without their IR; every read that returns
 * a candidate's detail rebuilds it from the arch string and the run's network.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildNb201Network, parseNb201 } from '../../src/search-space/index.js';
import { type Store, openStore } from '../../src/store/index.js';
import { type TestDatabase, sqliteBackend } from './backends.js';
import { candidate, newRun } from './fixtures.js';

const ARCH = '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|avg_pool_3x3~1|nor_conv_1x1~2|';

let db: TestDatabase | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  await db?.drop();
});

describe('IR recomputed on read', () => {
  it('getCandidate and trainings.findCandidate rebuild a NAS-Bench-201 IR stored as null; other rows keep theirs', async () => {
    db = await sqliteBackend.create();
    store = await openStore(db.url);
    const nb = await store.createRun(newRun({ config: { space: 'nasbench201', network: { inputShape: [16, 16, 3], classes: 7 } } }));
    const [{ candidate: row }] = (await store.upsertQueuedCandidates(nb.id, [candidate(1, { nsc: ARCH, ir: null })])) as unknown as [
      { candidate: { id: number; hash: string } },
    ];
    expect((await db.sql('SELECT "ir" FROM "Candidate" WHERE "id" = ?', [row!.id]))[0]!.ir).toBeNull();
    const expected = buildNb201Network(parseNb201(ARCH), { inputShape: [16, 16, 3], classes: 7 }).ir;
    expect((await store.getCandidate(nb.id, row!.hash))!.ir).toEqual(expected);
    expect((await store.trainings.findCandidate(row!.id))!.ir).toEqual(expected);

    // An NSC run's row without an IR has none to rebuild; a stored IR comes back as stored.
    const nsc = await store.createRun(newRun({ config: { space: 'nsc' } }));
    const [{ candidate: bare }, { candidate: full }] = (await store.upsertQueuedCandidates(nsc.id, [
      candidate(2, { ir: null }),
      candidate(3),
    ])) as unknown as [{ candidate: { hash: string } }, { candidate: { hash: string } }];
    expect((await store.getCandidate(nsc.id, bare!.hash))!.ir).toBeNull();
    expect((await store.getCandidate(nsc.id, full!.hash))!.ir).toEqual(candidate(3).ir);
  });
});
