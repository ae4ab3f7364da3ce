#!/usr/bin/env node
import { Command } from 'commander';
import { registerBenchCommand } from './bench-command.js';
import { registerCallCommand } from './call-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerGenCommand } from './gen-command.js';

const program = new Command('switchboard').description('Switchboard: RPC on gRPC with client-side load balancing');
registerGenCommand(program);
registerCallCommand(program);
registerBenchCommand(program);
registerDemoCommand(program);
await program.parseAsync();
