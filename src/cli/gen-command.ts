import path from 'node:path';
import type { Command } from 'commander';
import { generateTarget, writeGenerated } from './gen-target.js';

interface GenOptions {
  readonly out: string;
  readonly include?: string[];
  readonly runtime: string;
  readonly root?: string;
}

/** `switchboard gen <protos...> --out <dir>`: writes one TypeScript module per .proto file. */
export function registerGenCommand(program: Command): void {
  program
    .command('gen')
    .description('generate TypeScript message types and service descriptors from .proto files')
    .argument('<protos...>', '.proto files to generate (their imports are read, not generated)')
    .requiredOption('--out <dir>', 'output directory')
    .option('-I, --include <dir...>', 'directories searched for imports')
    .option(
      '--runtime <specifier>',
      'module generated code imports the runtime from; a path starting with . or / is imported relatively',
      'switchboard',
    )
    .option('--root <dir>', 'output paths mirror .proto paths relative to this (default: their common directory)')
    .action((protos: string[], options: GenOptions) => {
      const runtime = /^\.{0,2}\//.test(options.runtime) ? { file: options.runtime } : options.runtime;
      try {
        const files = generateTarget({
          protos,
          out: options.out,
          root: options.root,
          include: options.include,
          runtime,
        });
        writeGenerated(options.out, files);
        console.log(`wrote ${files.length} file${files.length === 1 ? '' : 's'} to ${path.normalize(options.out)}`);
      } catch (error) {
        console.error(`switchboard gen: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      }
    });
}
