/** `cellbridge`: the mesh from a terminal or a CI job, through the API (README, "CLI"). */
import { Command, Option } from 'commander';
import { ApiClient } from './api-client.ts';
import * as commands from './commands.ts';
import { EXIT } from './exit-codes.ts';
import { cliSettings } from './settings.ts';

const program = new Command('cellbridge')
  .description('Provision and run a federated AWS + Azure service mesh (exit codes: 0 done, 1 error, 2 invalid, 3 rolled back, 4 left incomplete, 5 refused)')
  .option('--api-url <url>', 'the cellbridge API (else CELLBRIDGE_API_URL, the config file, http://127.0.0.1:8080)')
  .option('--token <token>', 'bearer token (else CELLBRIDGE_API_TOKEN or the config file)')
  .addOption(new Option('-o, --output <format>', 'prose, or the API\'s JSON').choices(['text', 'json']).default('text'))
  .option('--poll <seconds>', 'seconds between reads of a long run', '2')
  .showHelpAfterError();

const io = (): commands.Io => {
  const flags = program.opts<{ apiUrl?: string; token?: string; output: string; poll: string }>();
  return { api: new ApiClient(cliSettings(flags)), json: flags.output === 'json', out: process.stdout, pollSeconds: Number(flags.poll) };
};
const run = (work: () => Promise<number>) => async () => {
  process.exitCode = await work();
};

program.command('plan').description('what applying the spec would do; nothing changes').requiredOption('-f, --file <spec.json>')
  .option('--allow-replace', 'accept replacing what a cloud cannot change in place')
  .action((o) => run(() => commands.plan(io(), o.file, o.allowReplace === true))());
program.command('apply').description('create the mesh and watch it come up, or plan a change of a live one and apply it').requiredOption('-f, --file <spec.json>')
  .option('-y, --yes', 'do not ask for confirmation').option('--no-wait', 'return once started').option('--allow-replace', 'accept replacements')
  .action((o) => run(() => commands.apply(io(), o.file, { yes: o.yes === true, wait: o.wait !== false, allowReplace: o.allowReplace === true }))());
program.command('get <name>').description('phase, resources, tunnels and cells').action((name) => run(() => commands.get(io(), name))());
program.command('list').description('every mesh and its phase').action(() => run(() => commands.list(io()))());
program.command('watch <name>').description('follow the mesh until it is up, rolled back or gone').option('--until <goal>', 'up or gone', 'up')
  .action((name, o) => run(() => commands.watch(io(), name, o.until === 'gone' ? 'gone' : 'up'))());
program.command('delete <name>').description('tear the mesh down').option('--no-wait', 'return once started')
  .action((name, o) => run(() => commands.remove(io(), name, o.wait !== false))());
program.command('rotate <name>').description('rotate the mesh CA now').addOption(new Option('--kind <kind>').choices(['intermediate', 'root']).makeOptionMandatory())
  .option('--no-wait', 'return once started').action((name, o) => run(() => commands.rotate(io(), name, o.kind, o.wait !== false))());
program.command('verify <name>').description('verify the mesh again and show every check').action((name) => run(() => commands.verify(io(), name))());
program.command('drill <name>').description('run the failover drill').option('--cell <cell>', 'the cell to degrade')
  .action((name, o) => run(() => commands.drill(io(), name, o.cell))());

program.exitOverride((error) => {
  process.exit(error.exitCode === 0 ? EXIT.done : EXIT.invalid);
});

try {
  await program.parseAsync();
} catch (error) {
  console.error(`cellbridge: ${(error as Error).message}`);
  process.exitCode = (error as { exitCode?: number }).exitCode ?? EXIT.error;
}
