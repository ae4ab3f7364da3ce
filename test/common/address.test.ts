import { describe, expect, it } from 'vitest';
import { channelTarget, parseAddress } from '../../src/common/address.js';

describe('addresses', () => {
  it('gives grpc-js an ipv4:/ipv6: target for an IP literal and the name itself otherwise', () => {
    expect(channelTarget('127.0.0.1:50051')).toBe('ipv4:127.0.0.1:50051');
    expect(channelTarget('[::1]:50051')).toBe('ipv6:[::1]:50051');
    expect(channelTarget('[fe80::1:2]:443')).toBe('ipv6:[fe80::1:2]:443');
    expect(channelTarget('localhost:50051')).toBe('localhost:50051');
    expect(channelTarget('node-1.cluster.local:443')).toBe('node-1.cluster.local:443');
    expect(channelTarget('[1.2.3.4]:443')).toBe('[1.2.3.4]:443');
  });

  it('names a bad address and where it came from', () => {
    expect(parseAddress('[::1]:8080', 'static')).toEqual({ host: '[::1]', port: 8080 });
    expect(() => parseAddress('host:0', 'static')).toThrow(
      'static: invalid address "host:0", expected "host:port" with a port 1-65535',
    );
  });
});
