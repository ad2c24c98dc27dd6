/**
 * Runs a benchmark's main(): SIGINT/SIGTERM and crashes still run its cleanup (stop the children it started,
 * remove its temp dir) before the process exits.
 */
export function runBench(main: () => Promise<number>, cleanup: () => Promise<void>, describeTemp: () => string | undefined): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping children and removing ${describeTemp() ?? 'the temp dir'}`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  main().then((code) => {
    process.exitCode = code;
  }, (error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    void cleanup().finally(() => process.exit(1));
  });
}
