import { Command, Option } from 'commander';

/** Called when a command's action fires: its name, its own options and the global ones. */
export type ActionHandler = (name: string, options: Record<string, unknown>, args: string[]) => Promise<void>;

const EXIT_CODES_HELP = `
Global options work before or after the command. Colors and spinners are off
when CI or NO_COLOR is set.

Exit codes: 0 done, 2 usage, 3 invalid configuration, 4 missing prerequisite,
            5 not ready, 6 refused to avoid harm, 130 interrupted.`;

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export function buildProgram(version: string, onAction: ActionHandler): Command {
  const program = new Command('datalayer')
    .description(
      'Provision the persistence stack of a Chainlit app (PostgreSQL with the Chainlit schema and an\n' +
        'S3 bucket for attachments) with Docker Compose, or natively without Docker.',
    )
    .version(version, '-V, --version', 'print the version')
    .option('-C, --cwd <dir>', 'the host project directory')
    .option('--env-file <path>', 'the configuration file (default: .env in the host)')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('-q, --quiet', 'print only errors')
    .option('-v, --verbose', 'print every external command it runs')
    .option('--no-color', 'no colors or spinners')
    .option('-y, --yes', 'answer yes to confirmations')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true, helpWidth: 100 })
    .addHelpText(
      'after',
      examples(
        'datalayer init                 # submodule, .env, secret, checked',
        'datalayer up                   # Postgres + S3 running, schema applied, bucket ready',
        'datalayer status -o env        # host-side DATABASE_URL etc. for scripts',
        'datalayer down                 # stop, keep the data',
      ) + EXIT_CODES_HELP,
    );

  const define = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .allowExcessArguments(false)
      .showHelpAfterError('(run with --help for usage)');

  const action =
    (name: string) =>
    async (...received: unknown[]) => {
      const command = received[received.length - 1] as Command;
      const args = (command.args ?? []).map(String);
      await onAction(name, command.optsWithGlobals(), args);
    };

  define('init', 'make the host ready: submodule, .env, secret, .gitignore, then check')
    .option('--url <url>', 'submodule remote (default: the OpenLLM-France fork)')
    .option('--path <path>', 'submodule path (default: extern/chainlit-datalayer)')
    .option('--branch <branch>', 'branch to track when adding the submodule')
    .option('--no-submodule', 'do not touch git; only write .env')
    .option('--dry-run', 'say what would change, change nothing')
    .addHelpText(
      'after',
      examples(
        'datalayer init',
        'datalayer init --no-submodule            # .env only (external Postgres and S3)',
        'datalayer init --url ../my-fork.git --branch main',
        'datalayer init --dry-run --json',
      ),
    )
    .action(action('init'));

  define('check', 'validate .env, the compose file, the submodule and the runtime prerequisites')
    .option('--strict', 'treat warnings as errors')
    .option('--connect', 'also reach Postgres and S3 at their host-side addresses')
    .addHelpText(
      'after',
      examples('datalayer check', 'datalayer check --strict --json', 'datalayer --env-file .env.example check'),
    )
    .action(action('check'));

  define('up', 'start Postgres and S3, wait until usable, ensure the bucket, apply migrations')
    .addOption(new Option('--runtime <runtime>', 'where services run').choices(['auto', 'docker', 'native']))
    .option('--timeout <seconds>', 'give up waiting after this many seconds', '120')
    .option('--no-wait', 'start the services and return without waiting')
    .option('--no-migrate', 'do not apply pending migrations')
    .option('--services <list>', 'only these compose services of the data layer (docker)')
    .option('--with <list>', 'also start these other compose services, after the data layer (docker)')
    .option('--create-bucket', 'external state: create the bucket when it is missing')
    .addHelpText(
      'after',
      examples(
        'datalayer up',
        'datalayer up --runtime native --timeout 60',
        'datalayer up --with data-layer          # also the fork\'s Prisma Studio service',
        'datalayer up --json | jq .urls',
      ) +
        '\nBy default `up` starts the services the data layer needs: the ones playing Postgres and S3\n' +
        'and what they depend on. Other services of the compose file start only with --with; if one\n' +
        'of them fails (an image that cannot be built), `up` warns and the data layer stays up.\n',
    )
    .action(action('up'));

  define('down', 'stop the services; keeps the data unless --volumes')
    .option('--volumes', 'also delete the data (asks first; --yes without a terminal)')
    .addHelpText('after', examples('datalayer down', 'datalayer down --volumes --yes   # wipe the data'))
    .action(action('down'));

  define('status', 'services, Postgres, migrations and bucket; exit 5 unless all is ready')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'env']).default('text'))
    .addHelpText(
      'after',
      examples('datalayer status', 'datalayer status --json', 'eval "$(datalayer status -o env)"   # host-side URLs'),
    )
    .action(action('status'));

  define('logs', "print the services' logs")
    .argument('[service...]', 'services to show (default: all)')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --tail <lines>', 'only the last N lines')
    .addHelpText('after', examples('datalayer logs postgres -n 50', 'datalayer logs -f'))
    .action(action('logs'));

  define('update-submodule', 'move the submodule forward safely (fast-forward only) and stage it')
    .option('--ref <ref>', 'branch, tag or commit to move to')
    .option('--commit', 'commit the new submodule pointer')
    .option('--dry-run', 'report what would change, move nothing')
    .addHelpText(
      'after',
      examples('datalayer update-submodule --dry-run', 'datalayer update-submodule --commit', 'datalayer update-submodule --ref v1.2.0'),
    )
    .action(action('update-submodule'));

  define('migrate', "apply the submodule's pending Prisma migrations to DATABASE_URL")
    .option('--status', 'list applied, pending and failed migrations; change nothing')
    .option('--database-url <url>', 'database to migrate (default: host-side DATABASE_URL)')
    .addHelpText('after', examples('datalayer migrate', 'datalayer migrate --status --json'))
    .action(action('migrate'));

  define('secret', 'print a new random CHAINLIT_AUTH_SECRET')
    .option('--write', 'store it in .env instead of printing it')
    .addHelpText('after', examples('datalayer secret', 'datalayer secret --write'))
    .action(action('secret'));

  define('enable', "uncomment the data-layer block of .env")
    .addHelpText('after', examples('datalayer enable'))
    .action(action('enable'));

  define('disable', 'comment out the data-layer block of .env (persistence off)')
    .addHelpText('after', examples('datalayer disable'))
    .action(action('disable'));

  return program;
}
