import { runProgram } from './commands.js';
import { createProgram } from './program.js';

process.exitCode = await runProgram(createProgram(), process.argv.slice(2));
