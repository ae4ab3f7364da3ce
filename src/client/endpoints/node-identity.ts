import type * as grpc from '@grpc/grpc-js';
import { NODE_INFO_HEADER } from '../../common/node-info-header.js';
import { Status } from '../../common/status.js';
import { Node, type NodeInfo } from '../../gen/switchboard/v1/node.js';
import type { ResolvedEndpoint } from '../../discovery/resolver.js';
import { methodCodec } from '../../schema/codec.js';
import { startChannelCall } from './channel-call.js';

const INFO_TIMEOUT_MS = 2000;
const infoMethod = Node.methods.info;
const infoCodec = methodCodec(Node, infoMethod);
const infoRequest = infoCodec.serializeRequest({});

/** Who a node is, as the balancers see it. */
export interface NodeIdentity {
  readonly id: string;
  readonly weight: number;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The identity of an endpoint: what its resolver says wins, then what the node announced
 * (`switchboard.v1.Node/Info`), then the defaults (the address as id, weight 1).
 */
export function identityOf(config: ResolvedEndpoint, announced: NodeInfo | undefined): NodeIdentity {
  return {
    id: config.id ?? (announced?.nodeId || config.address),
    weight: config.weight ?? (announced !== undefined && announced.weight > 0 ? announced.weight : 1),
    zone: config.zone ?? announced?.zone ?? '',
    labels: config.labels ?? announced?.labels ?? {},
  };
}

/** Whether two identities differ in any attribute. */
export function identityChanged(a: NodeIdentity, b: NodeIdentity): boolean {
  return (
    a.id !== b.id || a.weight !== b.weight || a.zone !== b.zone || JSON.stringify(a.labels) !== JSON.stringify(b.labels)
  );
}

/**
 * Asks a connected node who it is; `done` gets its answer, or undefined from a server that
 * cannot say (not a Switchboard node: it keeps the configured identity and is still usable).
 */
export function askIdentity(channel: grpc.ChannelInterface, done: (info: NodeInfo | undefined) => void): void {
  let info: NodeInfo | undefined;
  startChannelCall(channel, infoMethod.path, infoCodec, infoRequest, Date.now() + INFO_TIMEOUT_MS, {
    onMessage: (answer: NodeInfo) => {
      info = answer;
    },
    onStatus: (status) => done(status.code === Status.OK ? info : undefined),
  });
}

/**
 * The identity a Switchboard node sends on its health watch's headers
 * (common/node-info-header.ts), undefined where they carry none or it does not decode.
 */
export function identityFromHeaders(headers: grpc.Metadata): NodeInfo | undefined {
  const [value] = headers.get(NODE_INFO_HEADER);
  if (!Buffer.isBuffer(value)) return undefined;
  try {
    return infoCodec.deserializeResponse(value) as NodeInfo;
  } catch {
    return undefined;
  }
}
