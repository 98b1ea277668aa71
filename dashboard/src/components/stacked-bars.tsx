/** 100%-stacked columns in plain SVG: the share of each layer type per window of sampled blocks. */
import type { SeriesResponse } from '../../../src/server/api-types.js';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#64748b', '#db2777'];

export function StackedBars({ layers }: { layers: SeriesResponse['layers'] }) {
  if (layers.windows.length === 0) return <p class="empty">No blocks sampled yet.</p>;
  const w = 600;
  const h = 180;
  const colW = w / layers.windows.length;
  return (
    <div>
      <svg viewBox={`0 0 ${w} ${h + 18}`} width="100%" class="bars" role="img" aria-label="layer type shares over the run">
        {layers.windows.map((win, i) => {
          let y = h;
          return (
            <g key={i}>
              <title>{`candidates ${win.from}–${win.to}: ${layers.types.map((t, k) => `${t} ${(win.shares[k]! * 100).toFixed(0)}%`).join(', ')}`}</title>
              {win.shares.map((s, k) => {
                const bh = s * h;
                y -= bh;
                return <rect key={k} x={i * colW + 1} y={y} width={Math.max(1, colW - 2)} height={bh} fill={PALETTE[k % PALETTE.length]} />;
              })}
            </g>
          );
        })}
        <text x="0" y={h + 14} class="axis">
          #{layers.windows[0]!.from}
        </text>
        <text x={w} y={h + 14} class="axis" text-anchor="end">
          #{layers.windows[layers.windows.length - 1]!.to}
        </text>
      </svg>
      <div class="legend">
        {layers.types.map((t, k) => (
          <span key={t}>
            <i style={{ background: PALETTE[k % PALETTE.length] }} />
            {t}
          </span>
        ))}
      </div>
    </div>
  );
}
