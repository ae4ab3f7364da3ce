import { describe, expect, it } from 'vitest';
import { balancers, createBalancer } from 'switchboard';
import { registerBalancer } from 'switchboard/extend';
import { roundRobin } from '../../src/balancer/round-robin.js';

describe('balancer registry', () => {
  it('offers the built-in factories by name', () => {
    expect(balancers.roundRobin().name).toBe('roundRobin');
    expect(balancers.weighted().name).toBe('weighted');
    expect(balancers.leastLoad().name).toBe('leastLoad');
    expect(balancers.random().name).toBe('random');
    expect(createBalancer('consistentHash', { algorithm: 'maglev' }).name).toBe('consistentHash');
    expect(createBalancer('leastLoad', { choices: 3 }).name).toBe('leastLoad');
  });

  it('names the registered balancers when asked for an unknown one', () => {
    expect(() => createBalancer('leastLaod')).toThrow(
      'unknown balancer "leastLaod"; registered: roundRobin, weighted, leastLoad, random, consistentHash',
    );
  });

  it('creates registered custom balancers and refuses a second registration', () => {
    registerBalancer('first', () => ({ ...roundRobin(), name: 'first' }));
    expect(createBalancer('first').name).toBe('first');
    expect(() => registerBalancer('first', roundRobin)).toThrow('already registered');
    expect(() => createBalancer('nope')).toThrow(/registered: .*consistentHash, first$/);
  });
});
