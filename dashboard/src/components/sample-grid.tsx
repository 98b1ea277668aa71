/**
 * An image-to-image candidate's sample grid (GET …/samples for the row labels, …/samples.png
 * for the picture): eval inputs, outputs and targets side by side, scaled up with crisp
 * pixels. Renders nothing for a candidate without a grid (a classifier, or no result yet).
 */
import { useState } from 'preact/hooks';
import { useFetch } from '../api.js';

interface Layout {
  rows: string[];
  columns: number;
  tile: number;
}

const pngUrl = (runId: string, hash: string) => `./api/runs/${runId}/candidates/${hash}/samples.png`;

export function SampleGrid({ runId, hash, scale = 4 }: { runId: string; hash: string; scale?: number }) {
  const { data } = useFetch<Layout>(`/runs/${runId}/candidates/${hash}/samples`);
  if (!data) return null;
  const rowHeight = (data.tile + 1) * scale;
  return (
    <div class="sample-grid">
      <div class="sample-grid-labels" style={{ gridAutoRows: `${rowHeight}px` }}>
        {data.rows.map((label) => (
          <span key={label}>{label}</span>
        ))}
      </div>
      <img
        src={pngUrl(runId, hash)}
        alt={`samples: ${data.rows.join(', ')}`}
        width={((data.tile + 1) * data.columns - 1) * scale}
        height={rowHeight * data.rows.length - scale}
      />
    </div>
  );
}

/** A small copy of the grid for tables; hidden when the candidate has none. */
export function SampleThumb({ runId, hash }: { runId: string; hash: string }) {
  const [missing, setMissing] = useState(false);
  if (missing) return null;
  return <img class="sample-thumb" src={pngUrl(runId, hash)} alt="sample grid" loading="lazy" onError={() => setMissing(true)} />;
}
