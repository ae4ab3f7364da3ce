import { Metadata } from '@grpc/grpc-js';

/** Metadata as a grpc-js `Metadata` or a plain record (`-bin` keys take Buffers). */
export type MetadataInit = Metadata | Record<string, string | Buffer | readonly (string | Buffer)[]>;

/** A fresh `Metadata` from any accepted form; always a copy, so callers can reuse theirs. */
export function toMetadata(init: MetadataInit | undefined): Metadata {
  if (init === undefined) return new Metadata();
  if (init instanceof Metadata) return init.clone();
  const md = new Metadata();
  for (const [key, value] of Object.entries(init)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values as (string | Buffer)[]) md.add(key, v);
  }
  return md;
}

/** Size of metadata as HTTP/2 counts a header list: name + value + 32 bytes per entry. */
export function metadataSize(metadata: Metadata): number {
  let size = 0;
  for (const [key, values] of Object.entries(metadata.toHttp2Headers())) {
    for (const value of Array.isArray(values) ? values : [values]) size += key.length + String(value).length + 32;
  }
  return size;
}
