import { NODE_INFO_HEADER } from '../common/node-info-header.js';
import { Node, type NodeInfo } from '../gen/switchboard/v1/node.js';
import { methodCodec } from '../schema/codec.js';
import type { MetadataInit } from '../common/metadata.js';
import type { Handlers } from './handler-types.js';

/** What a node announces to its clients through `switchboard.v1.Node/Info`. */
export interface NodeIdentity {
  readonly nodeId: string;
  readonly zone: string;
  readonly weight: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** What `switchboard.v1.Node/Info` answers: the node's identity and the services it serves. */
export function nodeInfo(identity: NodeIdentity, services: string[]): NodeInfo {
  return { ...identity, labels: { ...identity.labels }, services };
}

/** Handlers of `switchboard.v1.Node`. */
export function nodeInfoHandlers(identity: NodeIdentity, services: () => string[]): Handlers<typeof Node> {
  return { info: () => nodeInfo(identity, services()) };
}

/** The response headers on which a node's health watch says who it is (see common/node-info-header.ts). */
export function nodeInfoHeader(identity: NodeIdentity, services: () => string[]): () => MetadataInit {
  const codec = methodCodec(Node, Node.methods.info);
  return () => ({ [NODE_INFO_HEADER]: codec.serializeResponse(nodeInfo(identity, services())) });
}

export { Node };
