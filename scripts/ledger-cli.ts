/**
 * The ledger's operator CLI: replay, verify, the investigators' questions and the audit topic.
 *   npm run ledger -- <command> [options]      (after npm run build; see docs/operator-cli.md)
 * Exit codes: 0 done, 1 the chain is broken, 2 could not run (database or broker unreachable, an
 * unexpected failure), 3 refused (a bad replay target, an existing replay schema, a rebuild
 * without --yes), 4 the ledger holds nothing of what was asked, 64 bad usage.
 */
import { randomUUID } from 'node:crypto';
import Table from 'cli-table3';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { z } from 'zod';
import { Instant } from '@app/contracts';
import { commonEnv, loadConfig, TopicNames } from '@app/platform';
import { verifyLedger } from '../apps/ledger/src/chain/ledger-verifier';
import { verifyingKeysOfEnv } from '../apps/ledger/src/checkpoints/checkpoint-keys';
import {
  AccessAtAnswer,
  HeldAnswer,
  LifeAnswer,
  LifeKind,
} from '../apps/ledger/src/investigations/investigation-questions';
import {
  InvestigationAnswers,
  LiveInvestigations,
  ReplayedInvestigations,
} from '../apps/ledger/src/investigations/investigation.queries';
import { rebuildProjections } from '../apps/ledger/src/projections/projection-rebuilder';
import { Queryable } from '../apps/ledger/src/queryable';
import { replayLedger, ReplayTarget } from '../apps/ledger/src/replay/ledger-replay';
import {
  dropReplaySchema,
  existingReplaySchema,
  listReplaySchemas,
  replayIntoSchema,
  replaySchemaName,
} from '../apps/ledger/src/replay/replay-schema';
import {
  LedgerChainBrokenError,
  ReplaySchemaError,
  ReplayTargetError,
} from '../apps/ledger/src/replay/replay.errors';

export const EXIT = { ok: 0, broken: 1, failed: 2, refused: 3, notFound: 4, usage: 64 } as const;

type Format = 'table' | 'json' | 'csv';
type Row = Record<string, string | number | boolean | null>;

/** Where output goes; the process's streams, or a test's buffers. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Calls back when writing to `out` fails (EPIPE: its reader left); returns an unsubscribe. */
  onOutError?(listener: (error: NodeJS.ErrnoException) => void): () => void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  onOutError: (listener) => {
    process.stdout.on('error', listener);
    return () => process.stdout.off('error', listener);
  },
};

class CliRefusal extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const DatabaseEnv = z.object({ DATABASE_URL: commonEnv.DATABASE_URL });
const KafkaEnv = z.object({
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS,
  KAFKA_TOPIC_PREFIX: commonEnv.KAFKA_TOPIC_PREFIX,
});

interface CommonOptions {
  databaseUrl?: string;
  format: Format;
}

interface SourceOptions extends CommonOptions, ReplayTarget {
  replay?: boolean;
  schema?: string;
}

/** Runs one command line and resolves to its exit code; never exits the process itself. */
export async function runLedgerCli(
  argv: readonly string[],
  io: CliIo = processIo,
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return failure(error, io);
  }
}

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command()
    .name('ledger')
    .description('Operate and question the JIT access ledger')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const command = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .exitOverride()
      .option('--database-url <url>', 'the ledger database (default: DATABASE_URL)')
      .addOption(
        new Option('--format <format>', 'output format')
          .choices(['table', 'json', 'csv'])
          .default('table'),
      );

  command('replay', 'Replay the projections from the ledger, verifying the chain as it reads')
    .option(
      '--schema <name>',
      'replay into the schema ledger_replay_<name> (kept until dropped)',
      replayName,
    )
    .option('--to-seq <seq>', 'stop after this seq', wholeNumber)
    .option('--to-time <instant>', 'stop after the last entry recorded by this instant', instant)
    .option('--rebuild', 'rebuild the LIVE projections instead (appends wait meanwhile)')
    .option('--yes', 'confirm --rebuild')
    .action(async (options: SourceOptions & { rebuild?: boolean; yes?: boolean }) => {
      setExit(await replay(options, io));
    });

  command('drop-replay', 'Drop a replay schema made by replay --schema')
    .requiredOption(
      '--schema <name>',
      'the replay name (the schema is ledger_replay_<name>)',
      replayName,
    )
    .action(async (options: CommonOptions & { schema: string }) => {
      await withDatabase(options, io, async (db) => {
        const schema = await dropReplaySchema(db, options.schema);
        emit(io, options.format, { dropped: schema }, [{ dropped: schema }]);
      });
    });

  command('replays', 'List the replay schemas').action(async (options: CommonOptions) => {
    await withDatabase(options, io, async (db) => {
      const schemas = await listReplaySchemas(db);
      emit(
        io,
        options.format,
        { schemas },
        schemas.map((schema) => ({ schema })),
      );
    });
  });

  command(
    'verify',
    'Verify the hash chain and the checkpoints from genesis to the head (their signatures too, ' +
      'given LEDGER_CHECKPOINT_PUBLIC_KEYS or LEDGER_CHECKPOINT_KEY)',
  ).action(async (options: CommonOptions) => {
    await withDatabase(options, io, async (db) => {
      // The same keys as `npm run ledger:verify`: without any, signatures go unchecked.
      const publicKeys = verifyingKeysOfEnv(io.env);
      const verification = await verifyLedger(db, {
        publicKeys: publicKeys.length > 0 ? publicKeys : undefined,
      });
      const result = { ...verification, signaturesChecked: publicKeys.length > 0 };
      if (!result.signaturesChecked) {
        io.err('ledger: checkpoint signatures NOT checked: no public key configured\n');
      }
      emit(io, options.format, result, [result as unknown as Row]);
      setExit(result.ok ? EXIT.ok : EXIT.broken);
    });
  });

  withSource(command('who-had', 'Who held access to a resource at an instant, and through what'))
    .requiredOption('--resource <resource>', 'the resource, e.g. db:orders-prod')
    .requiredOption('--at <instant>', 'the instant, ISO-8601', instant)
    .option('--subject <subject>', 'only this person')
    .action(async (options: SourceOptions & { resource: string; at: string; subject?: string }) => {
      await askInvestigation(options, io, async (answers) => {
        const answer = await answers.whoHadAccess(options);
        emit(io, options.format, answer, accessAtRows(answer), ACCESS_AT_COLUMNS);
      });
    });

  withSource(command('held', 'What a person held between two instants'))
    .requiredOption('--subject <subject>', 'the person')
    .requiredOption('--from <instant>', 'start, inclusive', instant)
    .requiredOption('--to <instant>', 'end, exclusive', instant)
    .action(async (options: SourceOptions & { subject: string; from: string; to: string }) => {
      if (Date.parse(options.from) >= Date.parse(options.to)) {
        throw new CliRefusal('--to must be after --from', EXIT.usage);
      }
      await askInvestigation(options, io, async (answers) => {
        const answer = await answers.heldBySubject(options);
        emit(io, options.format, answer, heldRows(answer), HELD_COLUMNS);
      });
    });

  withSource(command('history', 'The whole life of a request, grant or opt-out, in order'))
    .option('--request <id>', 'an access request id', uuid)
    .option('--grant <id>', 'a grant id', uuid)
    .option('--opt-out <id>', 'an opt-out id', uuid)
    .action(
      async (options: SourceOptions & { request?: string; grant?: string; optOut?: string }) => {
        const query = lifeQuery(options);
        await askInvestigation(options, io, async (answers) => {
          const life = await answers.lifeOf(query);
          if (!life) {
            throw new CliRefusal(
              `the ledger holds nothing of ${query.kind} ${query.id}`,
              EXIT.notFound,
            );
          }
          emit(io, options.format, life, lifeRows(life));
        });
      },
    );

  program
    .command('tail')
    .description('Follow the audit topic and print its records')
    .exitOverride()
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .option('--from-beginning', 'start at the first record rather than at new ones')
    .option('--limit <count>', 'stop after this many records', wholeNumber)
    .option('--timeout <ms>', 'stop after this long', wholeNumber)
    .action(
      async (options: {
        format: Format;
        fromBeginning?: boolean;
        limit?: number;
        timeout?: number;
      }) => {
        await tail(options, io);
      },
    );

  return program;
}

/** Options that choose where a question is answered: live, a replay schema, or a replay in memory. */
function withSource(command: Command): Command {
  return command
    .option('--schema <name>', 'answer from the replay schema ledger_replay_<name>', replayName)
    .option('--replay', 'answer from a replay of the ledger in memory, up to the head')
    .option('--to-seq <seq>', 'answer from a replay in memory up to this seq', wholeNumber)
    .option('--to-time <instant>', 'answer from a replay in memory up to this instant', instant);
}

async function replay(
  options: SourceOptions & { rebuild?: boolean; yes?: boolean },
  io: CliIo,
): Promise<number> {
  if (options.rebuild) return rebuild(options, io);

  return withDatabase(options, io, async (db) => {
    const progress = progressReporter(io, options.format);
    if (options.schema !== undefined) {
      const result = await inTransaction(db, 'REPEATABLE READ', () =>
        replayIntoSchema(db, options.schema!, { ...target(options), onProgress: progress }),
      );
      // The same fields, in JSON too, as the in-memory replay's summary.
      const summary = {
        schema: result.schema,
        replayed: result.replayed,
        lastSeq: result.last.seq,
        lastHash: result.last.hash,
        headSeq: result.head.seq,
        verified: true,
      };
      emit(io, options.format, summary, [summary]);
      return EXIT.ok;
    }

    const result = await inTransaction(db, 'REPEATABLE READ READ ONLY', () =>
      replayLedger(db, { ...target(options), onProgress: progress }),
    );
    const summary = {
      replayed: result.replayed,
      lastSeq: result.last.seq,
      lastHash: result.last.hash,
      headSeq: result.head.seq,
      verified: true,
      currentGrants: result.state.currentGrants.size,
      grantHistory: result.state.grantHistory.size,
      auditTrail: result.state.auditTrail.records.size,
    };
    emit(io, options.format, summary, [summary]);
    return EXIT.ok;
  });
}

async function rebuild(options: SourceOptions & { yes?: boolean }, io: CliIo): Promise<number> {
  if (options.schema !== undefined || options.toSeq !== undefined || options.toTime !== undefined) {
    throw new CliRefusal(
      '--rebuild replays the whole ledger into the live projections; it takes no --schema, --to-seq or --to-time',
      EXIT.usage,
    );
  }
  if (!options.yes) {
    throw new CliRefusal(
      '--rebuild empties and refills the live projections while appends wait; add --yes to confirm',
      EXIT.refused,
    );
  }
  return withDatabase(options, io, async (db) => {
    const progress = progressReporter(io, options.format);
    const result = await inTransaction(db, 'READ COMMITTED', () =>
      rebuildProjections(db, undefined, undefined, {
        onProgress: (step) => progress({ ...step, targetSeq: step.headSeq }),
      }),
    );
    emit(io, options.format, { rebuilt: true, ...result }, [{ rebuilt: true, ...result }]);
    return EXIT.ok;
  });
}

async function askInvestigation(
  options: SourceOptions,
  io: CliIo,
  ask: (answers: InvestigationAnswers) => Promise<void>,
): Promise<void> {
  const inMemory =
    options.replay === true || options.toSeq !== undefined || options.toTime !== undefined;
  if (inMemory && options.schema !== undefined) {
    throw new CliRefusal('answer from --schema or from a replay in memory, not both', EXIT.usage);
  }
  await withDatabase(options, io, async (db) => {
    if (!inMemory) {
      const schema =
        options.schema === undefined ? 'ledger' : await existingReplaySchema(db, options.schema);
      await ask(new LiveInvestigations(db, schema));
      return;
    }
    const result = await inTransaction(db, 'REPEATABLE READ READ ONLY', () =>
      replayLedger(db, { ...target(options), onProgress: progressReporter(io, options.format) }),
    );
    await ask(new ReplayedInvestigations(result.state));
  });
}

function lifeQuery(options: { request?: string; grant?: string; optOut?: string }): {
  kind: LifeKind;
  id: string;
} {
  const given = [
    ['request', options.request],
    ['grant', options.grant],
    ['opt-out', options.optOut],
  ].filter((pair): pair is [LifeKind, string] => pair[1] !== undefined);
  if (given.length !== 1) {
    throw new CliRefusal('name exactly one of --request, --grant or --opt-out', EXIT.usage);
  }
  return { kind: given[0]![0], id: given[0]![1] };
}

async function tail(
  options: { format: Format; fromBeginning?: boolean; limit?: number; timeout?: number },
  io: CliIo,
): Promise<void> {
  const env = loadConfig(KafkaEnv, io.env);
  const names = new TopicNames(env.KAFKA_TOPIC_PREFIX);
  const topic = names.auditRecords;
  const kafka = new Kafka({
    clientId: 'jit-ledger-cli',
    brokers: env.KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 3 },
  });
  // A group of its own that commits nothing: tailing never moves anyone else's offsets. The
  // short fetch wait lets Ctrl-C end the tail within a second: disconnecting waits for the fetch.
  const consumer = kafka.consumer({
    groupId: names.consumerGroup(`jit-ledger-cli-tail-${randomUUID()}`),
    maxWaitTimeInMs: 1000,
  });
  let printed = 0;
  let headerDone = false;
  let finished = false;
  let stopWatchingOut = () => {};
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning === true });
    await new Promise<void>((resolve, reject) => {
      const timer =
        options.timeout === undefined ? null : setTimeout(() => finish(), options.timeout);
      const finish = (error?: Error) => {
        finished = true;
        if (timer) clearTimeout(timer);
        process.off('SIGINT', onInterrupt);
        if (error) reject(error);
        else resolve();
      };
      const onInterrupt = () => finish();
      process.once('SIGINT', onInterrupt);
      // A reader that has read enough (`| head`) closes the pipe: that ends the tail, not an error.
      stopWatchingOut =
        io.onOutError?.((error) => finish(error.code === 'EPIPE' ? undefined : error)) ??
        stopWatchingOut;
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            if (finished) return;
            if (options.limit !== undefined && printed >= options.limit) return;
            const record = parseRecord(message.value?.toString('utf8') ?? '');
            io.out(tailLine(options.format, record, !headerDone));
            headerDone = true;
            printed += 1;
            if (options.limit !== undefined && printed >= options.limit) finish();
            await Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    stopWatchingOut();
  }
}

function parseRecord(value: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return { unreadable: value.slice(0, 200) };
  }
}

const TAIL_COLUMNS = [
  'seq',
  'recordType',
  'eventType',
  'occurredAt',
  'partitionKey',
  'hash',
  'replay',
];

function tailLine(format: Format, record: Record<string, unknown>, first: boolean): string {
  if (format === 'json') return `${JSON.stringify(record)}\n`;
  const row = TAIL_COLUMNS.map((column) =>
    cell(record[column] ?? (column === 'recordType' ? 'entry' : null)),
  );
  if (format === 'csv') return stringify(first ? [TAIL_COLUMNS, row] : [row]);
  const widths = [8, 10, 32, 24, 36, 12, 6];
  const pad = (values: string[]) =>
    values.map((value, index) => value.slice(0, widths[index]).padEnd(widths[index]!)).join(' ');
  const line = pad(
    row.map((value, index) => (TAIL_COLUMNS[index] === 'hash' ? value.slice(0, 12) : value)),
  );
  return first ? `${pad(TAIL_COLUMNS)}\n${line}\n` : `${line}\n`;
}

/** Prints progress to stderr at most once a second, and once at the end of each page run. */
function progressReporter(
  io: CliIo,
  format: Format,
): (progress: { replayed: number; lastSeq: number; targetSeq: number; elapsedMs: number }) => void {
  let printedAt = 0;
  return (progress) => {
    const done = progress.lastSeq >= progress.targetSeq;
    if (!done && Date.now() - printedAt < 1000) return;
    printedAt = Date.now();
    const percent =
      progress.targetSeq === 0 ? 100 : Math.floor((progress.lastSeq / progress.targetSeq) * 100);
    io.err(
      format === 'json'
        ? `${JSON.stringify({ msg: 'replay progress', ...progress, percent })}\n`
        : `replayed ${progress.replayed} entries, seq ${progress.lastSeq} of ${progress.targetSeq} ` +
            `(${percent}%), ${(progress.elapsedMs / 1000).toFixed(1)} s\n`,
    );
  };
}

async function withDatabase<T>(
  options: CommonOptions,
  io: CliIo,
  work: (db: Queryable) => Promise<T>,
): Promise<T> {
  const { DATABASE_URL } = loadConfig(DatabaseEnv, {
    DATABASE_URL: options.databaseUrl ?? io.env.DATABASE_URL,
  });
  const client = new Client({ connectionString: DATABASE_URL, application_name: 'jit-ledger-cli' });
  await client.connect();
  try {
    return await work({
      query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows,
    });
  } finally {
    await client.end();
  }
}

async function inTransaction<T>(db: Queryable, mode: string, work: () => Promise<T>): Promise<T> {
  await db.query(`BEGIN ISOLATION LEVEL ${mode}`);
  try {
    const result = await work();
    await db.query('COMMIT');
    return result;
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

function target(options: ReplayTarget): ReplayTarget {
  return { toSeq: options.toSeq, toTime: options.toTime };
}

/** `columns` for answers whose rows may be none: a CSV with no rows still has its header. */
function emit(
  io: CliIo,
  format: Format,
  json: unknown,
  rows: readonly Row[],
  columns: readonly string[] = [...new Set(rows.flatMap((row) => Object.keys(row)))],
): void {
  if (format === 'json') {
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  if (format === 'csv') {
    io.out(stringify([columns, ...rows.map((row) => columns.map((column) => cell(row[column])))]));
    return;
  }
  if (rows.length === 0) {
    io.out('(nothing)\n');
    return;
  }
  const table = new Table({ head: [...columns], style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((column) => cell(row[column])));
  io.out(`${table.toString()}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number);
}

const ACCESS_AT_COLUMNS = [
  'subject',
  'role',
  'since',
  'until',
  'through',
  'kind',
  'approvedBy',
  'policy',
  'startsAt',
  'endsAt',
  'endedAt',
];

const HELD_COLUMNS = [
  'resource',
  'role',
  'periods',
  'through',
  'kind',
  'approvedBy',
  'startsAt',
  'endsAt',
  'endedAt',
];

/** As in the JSON answer: `endsAt` is the scheduled end, `endedAt` when access really ended. */
export function accessAtRows(answer: AccessAtAnswer): Row[] {
  return answer.holders.flatMap((holder) =>
    holder.through.map((grant) => ({
      subject: holder.subject,
      role: holder.role,
      since: holder.since,
      until: holder.until,
      through: grant.grantId,
      kind: grant.kind,
      approvedBy: grant.automatic ? `automatic (${grant.policyId})` : grant.approvers.join(' '),
      policy: grant.policyId,
      startsAt: grant.startsAt,
      endsAt: grant.endsAt,
      endedAt: grant.endedAt,
    })),
  );
}

export function heldRows(answer: HeldAnswer): Row[] {
  return answer.held.flatMap((access) =>
    access.through.map((grant) => ({
      resource: access.resource,
      role: access.role,
      periods: access.periods.map((period) => `${period.from}/${period.until}`).join(' '),
      through: grant.grantId,
      kind: grant.kind,
      approvedBy: grant.automatic ? `automatic (${grant.policyId})` : grant.approvers.join(' '),
      startsAt: grant.startsAt,
      endsAt: grant.endsAt,
      endedAt: grant.endedAt,
    })),
  );
}

function lifeRows(life: LifeAnswer): Row[] {
  return life.steps.map((step) => ({
    seq: step.seq,
    occurredAt: step.occurredAt,
    eventType: step.eventType,
    actor: step.actor,
    reason: step.reason,
    summary: step.summary,
  }));
}

function failure(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
      ? EXIT.ok
      : EXIT.usage;
  }
  if (error instanceof CliRefusal) {
    io.err(`ledger: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof LedgerChainBrokenError) {
    io.err(`ledger: ${error.message}\n`);
    return EXIT.broken;
  }
  if (error instanceof ReplaySchemaError || error instanceof ReplayTargetError) {
    io.err(`ledger: ${error.message}\n`);
    return EXIT.refused;
  }
  io.err(`ledger: could not run: ${(error as Error).message}\n`);
  return EXIT.failed;
}

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError('a whole number, at least 0');
  }
  return parsed;
}

// The API's own check: a UTC instant with its `Z`, a real date and time. `Date.parse` alone took
// 2026-02-30 for 2 March and an instant without a zone in the machine's local time.
function instant(value: string): string {
  if (!Instant.safeParse(value).success) {
    throw new InvalidArgumentError('an ISO-8601 UTC instant, e.g. 2026-12-01T00:00:00Z');
  }
  return new Date(value).toISOString();
}

// Checked while parsing, so a bad name is bad usage, refused before any database is reached.
function replayName(value: string): string {
  try {
    replaySchemaName(value);
  } catch (error) {
    if (error instanceof ReplaySchemaError) throw new InvalidArgumentError(error.message);
    throw error;
  }
  return value;
}

function uuid(value: string): string {
  if (!z.uuid().safeParse(value).success) throw new InvalidArgumentError('a uuid');
  return value.toLowerCase();
}

if (require.main === module) {
  void runLedgerCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
