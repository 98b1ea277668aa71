/** A thin uPlot wrapper: creates the plot once per option set, then only swaps data; follows its container's width. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

export function Chart({
  options,
  data,
  height = 240,
  label,
}: {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = box.current!;
    const u = new uPlot({ ...options, width: Math.max(200, el.clientWidth), height } as uPlot.Options, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [options, height]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}

/** Scatter series (points only). */
export const dots = (label: string, stroke: string, size = 4): uPlot.Series => ({
  label,
  stroke,
  fill: stroke,
  paths: () => null,
  points: { show: true, size, fill: stroke, stroke },
  width: 0,
});
export const line = (label: string, stroke: string, extra: Partial<uPlot.Series> = {}): uPlot.Series => ({
  label,
  stroke,
  width: 2,
  points: { show: false },
  spanGaps: true,
  ...extra,
});
