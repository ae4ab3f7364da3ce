// The contract between a source of membership (a list, DNS, a registry) and a client.

/** One node as a resolver announces it. */
export interface ResolvedEndpoint {
  /** `host:port`, e.g. `127.0.0.1:50051` or `[::1]:50051`; the client keys its connections by it. */
  readonly address: string;
  /**
   * The node id, when the source knows it (the etcd registry does). Without it the client
   * uses the id the node announces, or the address.
   */
  readonly id?: string;
  /** Overrides the weight the node announces. */
  readonly weight?: number;
  readonly zone?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** An endpoint as listed by hand: `host:port`, or a config with attribute overrides. */
export type EndpointInput = string | ResolvedEndpoint;

/** Ends a subscription. */
export type Unsubscribe = () => void;

/**
 * A source of the nodes serving a service. `subscribe` delivers the *full* list on every
 * change (the first one as soon as it is known, possibly synchronously). When the source
 * cannot be reached it calls `onError` and delivers nothing: the client keeps the last
 * list. The next `onChange` (even with the same list) means the source is back.
 */
export interface Resolver {
  /** Where the lists come from, e.g. `static`, `dns:///localhost:50051`, `etcd 127.0.0.1:2379/switchboard`. */
  readonly source: string;
  subscribe(
    service: string,
    onChange: (endpoints: readonly ResolvedEndpoint[]) => void,
    onError?: (error: Error) => void,
  ): Unsubscribe;
  /**
   * Asks for a fresh list soon: a client calls it when a connection to one of its nodes
   * fails (the node may have moved to another address). Optional; a resolver may limit how
   * often it acts on it (`dnsResolver`: at most once per `minIntervalMs`).
   */
  resolveNow?(): void;
}
