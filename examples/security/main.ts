// TLS, mutual TLS, bearer tokens and message limits on Greeter nodes. The certificates are
// throwaway ones made with openssl (a CA, a node certificate for 127.0.0.1 / localhost, a
// client certificate), as the tests make them.
//
//   npx tsx examples/security/main.ts

import { bearerAuth, bearerToken, createClient, createServer, RpcError, type Server } from 'switchboard';
import { generateCerts } from '../../scripts/dev/certs.js';
import { Greeter } from '../greeter/gen/greeter.js';

const certs = generateCerts();
const { ca, serverCert, serverKey, clientCert, clientKey } = certs.files;

/** Starts `server` with a Greeter that names the node; returns its address. */
async function serve(server: Server): Promise<string> {
  server.add(Greeter, { sayHello: async (req) => ({ message: `hello ${req.name}`, nodeId: server.nodeId }) });
  return (await server.listen('127.0.0.1:0')).address;
}

/** The outcome of one call: the reply, or the error's code and message. */
async function attempt(call: Promise<{ message: string }>): Promise<string> {
  try {
    return `OK ${(await call).message}`;
  } catch (error) {
    if (!(error instanceof RpcError)) throw error;
    return `${error.codeName}: ${error.details}`;
  }
}

console.log('== TLS');
// The node: its certificate and key (PEM Buffers, PEM text, or file paths).
const tlsNode = createServer({ nodeId: 'tls-node', tls: { cert: serverCert, key: serverKey } });
const tlsAddress = await serve(tlsNode);
// The client trusts the CA (default: the system roots).
const trusting = createClient(Greeter, { endpoints: [tlsAddress], tls: { ca } });
console.log(`client trusting the CA: ${await attempt(trusting.sayHello({ name: 'ada' }))}`);
const plaintext = createClient(Greeter, { endpoints: [tlsAddress], waitForReadyMs: 1000 });
console.log(`plaintext client: ${await attempt(plaintext.sayHello({ name: 'eve' }))}`);

console.log('== mutual TLS');
// The node also requires a client certificate signed by `ca`.
const mtlsNode = createServer({
  nodeId: 'mtls-node',
  tls: { cert: serverCert, key: serverKey, ca, requireClientCert: true },
});
const mtlsAddress = await serve(mtlsNode);
const withCert = createClient(Greeter, {
  endpoints: [mtlsAddress],
  tls: { ca, cert: clientCert, key: clientKey, serverName: 'localhost' },
});
console.log(`client with a certificate: ${await attempt(withCert.sayHello({ name: 'ada' }))}`);
const withoutCert = createClient(Greeter, { endpoints: [mtlsAddress], tls: { ca }, waitForReadyMs: 1000 });
console.log(`client without one: ${await attempt(withoutCert.sayHello({ name: 'eve' }))}`);

console.log('== bearer tokens');
const acl: Record<string, string[]> = { 'token-of-ada': ['/demo.Greeter/SayHello'], 'token-of-bob': [] };
const verify = (token: string, path: string) =>
  acl[token] === undefined ? 'invalid' : acl[token].includes(path) ? 'allow' : 'deny';
const authNode = createServer({
  nodeId: 'auth-node',
  tls: { cert: serverCert, key: serverKey },
  interceptors: [bearerAuth({ verify })],
});
const authAddress = await serve(authNode);
const tls = { ca };
const client = createClient(Greeter, {
  endpoints: [authAddress],
  tls,
  interceptors: [bearerToken(() => 'token-of-ada')],
});
console.log(`ada's token: ${await attempt(client.sayHello({ name: 'ada' }))}`);
const perCall = await attempt(client.sayHello({ name: 'bob' }, { metadata: { authorization: 'Bearer token-of-bob' } }));
console.log(`bob's token, per call: ${perCall}`);
const anonymous = createClient(Greeter, { endpoints: [authAddress], tls });
console.log(`no token: ${await attempt(anonymous.sayHello({ name: 'eve' }))}`);

console.log('== message limits');
const smallNode = createServer({ nodeId: 'small-node', maxReceiveMessageBytes: 1024 });
const smallAddress = await serve(smallNode);
const sender = createClient(Greeter, { endpoints: [smallAddress] });
console.log(`a 2 KiB request: ${await attempt(sender.sayHello({ name: 'x'.repeat(2048) }))}`);
console.log(`the node still serves: ${await attempt(sender.sayHello({ name: 'ada' }))}`);

await Promise.all([trusting, plaintext, withCert, withoutCert, client, anonymous, sender].map((c) => c.close()));
await Promise.all([tlsNode, mtlsNode, authNode, smallNode].map((s) => s.shutdown({ graceMs: 0 })));
certs.remove();
