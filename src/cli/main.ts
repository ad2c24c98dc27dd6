import { runProgram } from './commands.js';
import { createProgram } from './program.js';

// `guardpost … | head` closes the pipe early: that ends the output, it is not a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runProgram(createProgram(), process.argv.slice(2));
