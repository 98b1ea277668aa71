/** The ε-greedy schedule as a step line, with the run's position on it. */
import type { SeriesResponse } from '../../../src/server/api-types.js';

export function EpsilonChart({ epsilon }: { epsilon: NonNullable<SeriesResponse['epsilon']> }) {
  const w = 600;
  const h = 150;
  const pad = { l: 34, r: 10, t: 10, b: 22 };
  const total = Math.max(
    1,
    epsilon.schedule.reduce((s, [, n]) => s + n, 0),
    epsilon.position,
  );
  const x = (n: number) => pad.l + (n / total) * (w - pad.l - pad.r);
  const y = (e: number) => pad.t + (1 - e) * (h - pad.t - pad.b);
  let at = 0;
  let d = '';
  for (const [e, n] of epsilon.schedule) {
    d += `${d ? 'L' : 'M'}${x(at).toFixed(1)},${y(e).toFixed(1)} L${x(at + n).toFixed(1)},${y(e).toFixed(1)} `;
    at += n;
  }
  const last = epsilon.schedule[epsilon.schedule.length - 1];
  if (last && at < total) d += `L${x(total).toFixed(1)},${y(last[0]).toFixed(1)}`;
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width="100%" class="epsilon" role="img" aria-label={`epsilon schedule, now ${epsilon.current}`}>
      {[0, 0.5, 1].map((e) => (
        <g key={e}>
          <line x1={pad.l} x2={w - pad.r} y1={y(e)} y2={y(e)} class="grid" />
          <text x={pad.l - 6} y={y(e)} class="axis" text-anchor="end" dominant-baseline="central">
            {e}
          </text>
        </g>
      ))}
      <path d={d} class="eps-line" />
      <line x1={x(epsilon.position)} x2={x(epsilon.position)} y1={pad.t} y2={h - pad.b} class="eps-now" />
      <circle cx={x(epsilon.position)} cy={y(epsilon.current)} r="5" class="eps-dot" />
      <text x={pad.l} y={h - 4} class="axis">
        0
      </text>
      <text x={w - pad.r} y={h - 4} class="axis" text-anchor="end">
        {total.toLocaleString()} candidates
      </text>
    </svg>
  );
}
