// What a server node needs from a membership registry: announce itself, and withdraw.

/** A node as it registers: one record per node, listed under each of its services. */
export interface NodeRecord {
  readonly nodeId: string;
  /** `host:port` clients should dial. */
  readonly address: string;
  readonly weight: number;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Fully qualified names of the services the node serves. */
  readonly services: readonly string[];
}

/** A live registration; it keeps itself alive until `deregister`. */
export interface Registration {
  /** Removes the node from the registry (best effort: a registry that cannot be reached lets it expire). */
  deregister(): Promise<void>;
}

/**
 * Where server nodes announce themselves (`createServer({ registry })`). `register`
 * rejects when another live node holds the same id.
 */
export interface Registry {
  register(node: NodeRecord): Promise<Registration>;
}

/** A node as a registry lists it (`registry.members(service)`). */
export interface Member {
  readonly id: string;
  readonly address: string;
  readonly weight: number;
  readonly zone: string;
  readonly labels: Readonly<Record<string, string>>;
  /** When the node registered (ISO 8601). */
  readonly startedAt: string;
}
