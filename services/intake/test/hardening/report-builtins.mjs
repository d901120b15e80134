// Given to the service under test with `--import`: on SIGUSR2 it prints the Node built-in
// modules the process has loaded (launcher.test.ts).
process.on("SIGUSR2", () => {
  process.stdout.write(`builtins loaded: ${JSON.stringify(process.moduleLoadList)}\n`);
});
