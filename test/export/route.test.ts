/**
 * The dashboard's export download over real HTTP (real SQLite store, real
 * Redis): one-file formats come as the file, multi-file ones as a .tar that
 * Python's tarfile reads; bad requests get the API's JSON errors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDashboard, seedNscRun, startDashboard } from '../server/harness.js';
import { python } from './helpers.js';

let dash: TestDashboard;
let runId: string;
let hashes: string[];
let scratch: string;

beforeAll(async () => {
  dash = await startDashboard();
  ({ runId, hashes } = await seedNscRun(dash.store));
  scratch = await mkdtemp(path.join(tmpdir(), 'blockqnn-export-route-'));
});
afterAll(async () => {
  await dash?.close();
  await rm(scratch, { recursive: true, force: true });
});

const download = (hash: string, query: string) => fetch(`${dash.url}/api/runs/${runId}/candidates/${hash}/export?${query}`);

describe('GET /api/runs/:id/candidates/:hash/export', () => {
  it('json and svg come as the file itself, named after the candidate', async () => {
    const res = await download(hashes[2]!, 'format=json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename=${hashes[2]!.slice(0, 12)}-architecture.json`);
    const body = (await res.json()) as { architecture: { hash: string }; provenance: { run: { id: string } } };
    expect(body.architecture.hash).toBe(hashes[2]);
    expect(body.provenance.run.id).toBe(runId);
    const svg = await download(hashes[2]!, 'format=svg');
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await svg.text()).toMatch(/^<\?xml[\s\S]*<svg [\s\S]*L4 add[\s\S]*<\/svg>\n$/);
  });

  it("a multi-file format comes as a tar that Python's tarfile reads, with the files intact", async () => {
    const res = await download(hashes[0]!, 'format=tfjs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    const stem = `${hashes[0]!.slice(0, 12)}-tfjs`;
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename=${stem}.tar`);
    const file = path.join(scratch, 'export.tar');
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const listing = await python<{ names: string[]; sizes: number[]; format: string }>(
      String.raw`
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    members = t.getmembers()
    model = json.load(t.extractfile(members[0]))
    print(json.dumps({"names": [m.name for m in members], "sizes": [m.size for m in members], "format": model["format"]}))
`,
      [file],
    );
    expect(listing.names).toEqual([`${stem}/model.json`, `${stem}/weights.bin`]);
    expect(listing.format).toBe('layers-model');
    expect(listing.sizes[1]).toBeGreaterThan(0);
  });

  it('bad requests: unknown format, unknown candidate, weights required of an untrained candidate, a malformed query', async () => {
    const cases: [string, string, number, string, RegExp][] = [
      [hashes[0]!, 'format=keras', 400, 'UNKNOWN_NAME', /unknown export format "keras"/],
      ['0123456789abcdef', 'format=json', 404, 'NOT_FOUND', /has no candidate 0123456789abcdef/],
      [hashes[0]!, 'format=onnx&weights=required', 404, 'NOT_FOUND', /has no trained weights/],
      [hashes[0]!, 'format=json&out=/etc', 400, 'INVALID_INPUT', /invalid export query/],
    ];
    for (const [hash, query, status, code, message] of cases) {
      const res = await download(hash, query);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ status: res.status, code: body.error.code }, query).toEqual({ status, code });
      expect(body.error.message).toMatch(message);
    }
  });
});
