/** Where keys go: positions in a table of endpoint indexes (a hash ring's points or a Maglev table's slots). */
export interface KeyTable {
  /** The endpoint index at each position. */
  readonly owners: Int32Array;
  /** The position a key's hash maps to; the next positions are its fallbacks. */
  position(hash: number): number;
}
