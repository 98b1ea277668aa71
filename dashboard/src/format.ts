/** Number and time formatting shared by the views. */
export const pct = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(digits)}%`;
export const num = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? '–' : v.toFixed(digits));

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  const a = Math.abs(n);
  return a >= 1e9
    ? `${(n / 1e9).toFixed(2)} G`
    : a >= 1e6
      ? `${(n / 1e6).toFixed(2)} M`
      : a >= 1e3
        ? `${(n / 1e3).toFixed(1)} k`
        : String(Math.round(n));
}

export function ago(iso: string | null): string {
  if (!iso) return '–';
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (s < 60) return `${Math.max(0, Math.round(s))} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '–';
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
}

export const shortHash = (h: string): string => h.slice(0, 10);
