#!/usr/bin/env node
import { Command } from 'commander';
import { registerDemoCommand } from './demo-command.js';
import { registerGenCommand } from './gen-command.js';

const program = new Command('switchboard').description('Switchboard: RPC on gRPC with client-side load balancing');
registerGenCommand(program);
registerDemoCommand(program);
await program.parseAsync();
