import { describe, expect, it } from 'vitest';
import { staticResolver } from 'switchboard';
import type { ResolvedEndpoint } from 'switchboard/extend';

describe('staticResolver', () => {
  it('delivers its list at once, to every subscriber', () => {
    const resolver = staticResolver(['127.0.0.1:5001', { address: '127.0.0.1:5002', weight: 2, id: 'b' }]);
    const seen: (readonly ResolvedEndpoint[])[] = [];
    resolver.subscribe('a.Service', (list) => seen.push(list))();
    resolver.subscribe('b.Service', (list) => seen.push(list))();
    expect(seen).toEqual([
      [{ address: '127.0.0.1:5001' }, { address: '127.0.0.1:5002', weight: 2, id: 'b' }],
      [{ address: '127.0.0.1:5001' }, { address: '127.0.0.1:5002', weight: 2, id: 'b' }],
    ]);
    expect(resolver.source).toBe('static');
  });

  it('refuses bad lists with errors naming what is wrong', () => {
    expect(() => staticResolver([])).toThrow('staticResolver: endpoints must be a non-empty list');
    expect(() => staticResolver(['nohost'])).toThrow('staticResolver: invalid address "nohost"');
    expect(() => staticResolver(['127.0.0.1:1', '127.0.0.1:1'])).toThrow('endpoint 127.0.0.1:1 is listed twice');
    expect(() => staticResolver([{ address: '127.0.0.1:1', weight: 0 }])).toThrow(
      'weight of 127.0.0.1:1 must be a positive number, got 0',
    );
  });
});
