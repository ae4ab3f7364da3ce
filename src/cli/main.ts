#!/usr/bin/env node
import { Command } from 'commander';
import { registerBenchCommand } from './bench-command.js';
import { registerCallCommand } from './call-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerDescribeCommand } from './describe-command.js';
import { registerGenCommand } from './gen-command.js';
import { registerListCommand } from './list-command.js';
import { registerSimulateCommand } from './simulate-command.js';

const program = new Command('switchboard').description('Switchboard: RPC on gRPC with client-side load balancing');
registerGenCommand(program);
registerCallCommand(program);
registerBenchCommand(program);
registerListCommand(program);
registerDescribeCommand(program);
registerDemoCommand(program);
registerSimulateCommand(program);
await program.parseAsync();
