/**
 * Server-sent events with one timer per topic, shared by every client of it:
 * a hundred open tabs on a run cost one store poll per interval, not a hundred.
 * A topic starts polling when its first client connects and stops when the last
 * one leaves; a new client first gets the topic's current state, then only
 * changes. A comment line every 15 s keeps proxies from closing idle streams.
 */
import type { Response } from 'express';

export interface StreamMessage {
  event: string;
  data: unknown;
  /** Messages with a key are sent only when their data changed since the last send under that key. */
  key?: string;
}

export interface TopicSource {
  /** The state a newly connected client needs. */
  initial(): Promise<StreamMessage[]>;
  /** Called once per interval while clients are connected. */
  tick(): Promise<StreamMessage[]>;
}

interface Topic {
  clients: Set<Response>;
  timer: NodeJS.Timeout;
  last: Map<string, string>;
  busy: boolean;
  source: TopicSource;
}

const format = (m: StreamMessage): string => `event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;

export class StreamHub {
  private readonly topics = new Map<string, Topic>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly intervalMs: number,
    private readonly log: (line: string) => void,
  ) {
    this.keepAlive = setInterval(() => {
      for (const t of this.topics.values()) for (const c of t.clients) c.write(': keep-alive\n\n');
    }, 15_000);
    this.keepAlive.unref();
  }

  /** Number of polling timers running (one per topic with clients). */
  get timers(): number {
    return this.topics.size;
  }

  async subscribe(name: string, res: Response, makeSource: () => TopicSource): Promise<void> {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    let topic = this.topics.get(name);
    if (!topic) {
      const source = makeSource();
      const created: Topic = {
        clients: new Set(),
        last: new Map(),
        busy: false,
        source,
        timer: setInterval(() => void this.tick(created), this.intervalMs),
      };
      created.timer.unref();
      this.topics.set(name, (topic = created));
    }
    const t = topic;
    t.clients.add(res);
    res.on('close', () => {
      t.clients.delete(res);
      if (t.clients.size === 0 && this.topics.get(name) === t) {
        clearInterval(t.timer);
        this.topics.delete(name);
      }
    });
    try {
      for (const m of await t.source.initial()) res.write(format(m));
    } catch (error) {
      res.write(format({ event: 'failure', data: { message: error instanceof Error ? error.message : String(error) } }));
    }
  }

  private async tick(topic: Topic): Promise<void> {
    if (topic.busy || topic.clients.size === 0) return;
    topic.busy = true;
    try {
      for (const m of await topic.source.tick()) {
        const text = format(m);
        if (m.key) {
          if (topic.last.get(m.key) === text) continue;
          topic.last.set(m.key, text);
        }
        for (const c of topic.clients) c.write(text);
      }
    } catch (error) {
      this.log(`dashboard: stream update failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      topic.busy = false;
    }
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const t of this.topics.values()) {
      clearInterval(t.timer);
      for (const c of t.clients) c.end();
    }
    this.topics.clear();
  }
}
