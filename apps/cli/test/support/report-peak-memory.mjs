// Preloaded into a CLI child process by the large-import test (`node --import <this> ...`): at
// exit, prints the peak resident set size (VmHWM, Linux only) to stderr for the test to read.
import { readFileSync } from 'node:fs';

process.on('exit', () => {
  try {
    const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (peak) process.stderr.write(`\nPEAK_RSS_KB=${peak}\n`);
  } catch {
    // No /proc here: the test then skips its memory assertion.
  }
});
