import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/common/address.js';

describe('addresses', () => {
  it('names a bad address and where it came from', () => {
    expect(parseAddress('[::1]:8080', 'static')).toEqual({ host: '[::1]', port: 8080 });
    expect(() => parseAddress('host:0', 'static')).toThrow(
      'static: invalid address "host:0", expected "host:port" with a port 1-65535',
    );
  });
});
