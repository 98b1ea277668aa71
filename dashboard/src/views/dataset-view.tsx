/**
 * The run page's Dataset tab: the source the run trains on, the hash that pins
 * a user source, how it was read, each class with its image counts per split,
 * and a grid of the first images of each class (GET …/dataset/samples.png).
 */
import { useState } from 'preact/hooks';
import type { RunDatasetView } from '../../../src/server/api-types.js';
import { useFetch } from '../api.js';
import { Card, ErrorNote } from '../components/bits.js';

export function DatasetView({ runId }: { runId: string }) {
  const { data, error } = useFetch<RunDatasetView>(`/runs/${runId}/dataset`);
  const [noGrid, setNoGrid] = useState(false);
  if (error) return <ErrorNote error={error} />;
  if (!data) return <p class="empty">Loading the dataset…</p>;
  const counted = data.classes.some((c) => c.train !== null);
  const total = (key: 'train' | 'test') => data.classes.reduce((n, c) => n + (c[key] ?? 0), 0);
  return (
    <div class="dataset-view">
      <Card title="Dataset">
        <dl class="dataset-facts">
          <dt>source</dt>
          <dd class="mono dataset-source">{data.name}</dd>
          <dt>kind</dt>
          <dd>{data.kind === 'pack' ? 'your data, decoded once into a pack' : data.kind === 'built-in' ? 'built-in dataset' : 'none'}</dd>
          {data.sha256 && (
            <>
              <dt>pack sha-256</dt>
              <dd class="mono">{data.sha256}</dd>
            </>
          )}
          {data.shape && (
            <>
              <dt>shape</dt>
              <dd>
                {data.shape.join('×')}
                {Object.keys(data.spec).length > 0 && (
                  <span class="muted">
                    {' '}
                    · jobs:{' '}
                    {Object.entries(data.spec)
                      .map(([k, v]) => `${k} ${String(v)}`)
                      .join(', ')}
                  </span>
                )}
              </dd>
            </>
          )}
          <dt>classes</dt>
          <dd class="dataset-class-count">{data.classes.length}</dd>
          {data.notes.map((note, i) => (
            <>
              <dt>{i === 0 ? 'read as' : ''}</dt>
              <dd key={note}>{note}</dd>
            </>
          ))}
        </dl>
        {data.hint && <p class="muted">{data.hint}</p>}
      </Card>
      {data.samples && !noGrid && (
        <Card title="Samples">
          <img
            class="dataset-samples"
            src={`./api/runs/${runId}/dataset/samples.png`}
            alt={`the first images of each class of ${data.name}`}
            onError={() => setNoGrid(true)}
          />
        </Card>
      )}
      {data.classes.length > 0 && (
        <Card title="Classes">
          <table class="table dataset-classes">
            <thead>
              <tr>
                <th>#</th>
                <th>class</th>
                {counted && <th class="num">train</th>}
                {counted && <th class="num">test</th>}
              </tr>
            </thead>
            <tbody>
              {data.classes.map((c, i) => (
                <tr key={c.name}>
                  <td class="muted">{i}</td>
                  <td>{c.name}</td>
                  {counted && <td class="num">{c.train?.toLocaleString()}</td>}
                  {counted && <td class="num">{c.test?.toLocaleString()}</td>}
                </tr>
              ))}
            </tbody>
            {counted && (
              <tfoot>
                <tr>
                  <td />
                  <td>total</td>
                  <td class="num">{total('train').toLocaleString()}</td>
                  <td class="num">{total('test').toLocaleString()}</td>
                </tr>
              </tfoot>
            )}
          </table>
        </Card>
      )}
    </div>
  );
}
