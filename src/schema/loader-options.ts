import type { Options } from '@grpc/proto-loader';
import type { IConversionOptions } from 'protobufjs';

/**
 * The one set of loading and conversion options used everywhere: int64 as
 * decimal strings, enums by name, unset fields present with their defaults, the name of
 * the set member of each oneof as a virtual field, and camelCase field names.
 */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies Options;

/** `LOADER_OPTIONS` as protobufjs `toObject` options (decode side). */
export const CONVERSION_OPTIONS: IConversionOptions = {
  longs: LOADER_OPTIONS.longs,
  enums: LOADER_OPTIONS.enums,
  defaults: LOADER_OPTIONS.defaults,
  oneofs: LOADER_OPTIONS.oneofs,
  arrays: true,
  objects: true,
};
