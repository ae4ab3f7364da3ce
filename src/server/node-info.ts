import { Node } from '../gen/switchboard/v1/node.js';
import type { Handlers } from './handler-types.js';

/** What a node announces to its clients through `switchboard.v1.Node/Info`. */
export interface NodeIdentity {
  readonly nodeId: string;
  readonly zone: string;
  readonly weight: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** Handlers of `switchboard.v1.Node`: the node's identity and the services it serves. */
export function nodeInfoHandlers(identity: NodeIdentity, services: () => string[]): Handlers<typeof Node> {
  return {
    info: () => ({ ...identity, labels: { ...identity.labels }, services: services() }),
  };
}

export { Node };
