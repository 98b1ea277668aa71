/**
 * Bookkeeping every strategy shares: proposal ids, the proposals in flight with
 * whatever the strategy must remember about each (the episode that produced it,
 * say), and the errors for tells that do not match a proposal.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { JsonValue, Proposal } from './strategy.js';

export type BookSnapshot = {
  nextId: number;
  /** [id, key, memo] of each proposal in flight, oldest first. */
  pending: [string, string, JsonValue][];
};

export class ProposalBook<M extends JsonValue = JsonValue> {
  private nextId = 0;
  private readonly open = new Map<string, { key: string; memo: M }>();

  /** Proposals issued so far. */
  get asked(): number {
    return this.nextId;
  }

  get inFlight(): number {
    return this.open.size;
  }

  issue(key: string, memo: M): Proposal {
    const id = `p${this.nextId++}`;
    this.open.set(id, { key, memo });
    return { id, key };
  }

  /** The proposal in flight under `id`; throws NOT_FOUND naming the cause otherwise. */
  get(id: string): { key: string; memo: M } {
    const entry = this.open.get(id);
    if (entry) return entry;
    const told = typeof id === 'string' && /^p\d+$/.test(id) && Number(id.slice(1)) < this.nextId;
    throw new BlockqnnError(ErrorCode.NOT_FOUND, told ? `proposal ${id} was already told` : `no proposal ${JSON.stringify(id)} was asked`, {
      hint: told ? 'tell each proposal exactly once' : 'tell the id of a proposal that ask() returned',
      details: { proposalId: id },
    });
  }

  close(id: string): { key: string; memo: M } {
    const entry = this.get(id);
    this.open.delete(id);
    return entry;
  }

  /** Keys of the proposals in flight. */
  pendingKeys(): string[] {
    return [...this.open.values()].map((e) => e.key);
  }

  pending(): Proposal[] {
    return [...this.open].map(([id, { key }]) => ({ id, key }));
  }

  snapshot(): BookSnapshot {
    return { nextId: this.nextId, pending: [...this.open].map(([id, { key, memo }]) => [id, key, memo]) };
  }

  static restore<M extends JsonValue>(snapshot: BookSnapshot): ProposalBook<M> {
    const book = new ProposalBook<M>();
    if (!snapshot || !Number.isInteger(snapshot.nextId) || !Array.isArray(snapshot.pending)) {
      throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'strategy snapshot: malformed proposal book (expected {nextId, pending})');
    }
    book.nextId = snapshot.nextId;
    for (const [id, key, memo] of snapshot.pending) book.open.set(id, { key, memo: memo as M });
    return book;
  }
}
