/** The terminal progress display of a running search: one line, rewritten in place on a TTY. */
import type { SearchProgress } from '../orchestrator/loop/index.js';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: SearchProgress) => void {
  let last = '';
  let lastDone = -1;
  return (p) => {
    const budget = p.budget ? `/${p.budget}` : '';
    const best = p.bestAccuracy === null ? '–' : `${(p.bestAccuracy * 100).toFixed(2)}% (reward ${p.bestReward?.toFixed(4) ?? '–'})`;
    const line = `run ${p.runId}: done ${p.done}${budget} · in flight ${p.inFlight} · failed ${p.failed} · best ${best} · ${p.candidatesPerSecond.toFixed(2)} candidates/s`;
    if (line === last) return;
    last = line;
    if (stream.isTTY) stream.write(`\r\x1b[2K${line}`);
    else if (p.done !== lastDone) stream.write(`${line}\n`);
    lastDone = p.done;
  };
}
