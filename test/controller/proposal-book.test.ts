import { describe, expect, it } from 'vitest';
import { ProposalBook } from '../../src/controller/proposal-book.js';

describe('proposal book', () => {
  it('issues sequential ids and tracks what is in flight, oldest first', () => {
    const book = new ProposalBook<number[]>();
    const a = book.issue('k1', [1]);
    const b = book.issue('k2', [2]);
    expect([a.id, b.id]).toEqual(['p0', 'p1']);
    expect(book.pending()).toEqual([a, b]);
    expect(book.close('p0')).toEqual({ key: 'k1', memo: [1] });
    expect(book.pendingKeys()).toEqual(['k2']);
    expect(book.asked).toBe(2);
    expect(book.inFlight).toBe(1);
  });

  it('explains unknown and repeated ids', () => {
    const book = new ProposalBook();
    const p = book.issue('k', null);
    book.close(p.id);
    expect(() => book.get(p.id)).toThrow('proposal p0 was already told');
    expect(() => book.get('p7')).toThrow('no proposal "p7" was asked');
    expect(() => book.get('x')).toThrow('no proposal "x" was asked');
  });

  it('round-trips through JSON', () => {
    const book = new ProposalBook<number[]>();
    book.issue('a', [1, 2]);
    book.issue('b', [3]);
    book.close('p0');
    const back = ProposalBook.restore<number[]>(JSON.parse(JSON.stringify(book.snapshot())));
    expect(back.pending()).toEqual(book.pending());
    expect(back.issue('c', []).id).toBe('p2');
    expect(() => ProposalBook.restore({} as never)).toThrow(/malformed proposal book/);
  });
});
