/**
 * The response header of `grpc.health.v1.Health/Watch` on which a Switchboard node sends
 * who it is (a `switchboard.v1.NodeInfo`, binary): a client learns a new connection's
 * identity and health from one call instead of two (`switchboard.v1.Node/Info` and the
 * watch). A client asks Node/Info where the header is missing (another server with a
 * health service).
 */
export const NODE_INFO_HEADER = 'switchboard-node-info-bin';
