import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

/** The machine a report's figures belong to. */
export interface MachineFigures {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  /** 1, 5 and 15 minutes, when the run began: how shared the machine was. */
  loadAverage: number[];
  node: string;
  postgres: string;
}

/** This machine, with the version a PostgreSQL server reported (`SHOW server_version`). */
export function machineFigures(postgres: string): MachineFigures {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1e9),
    loadAverage: loadavg(),
    node: process.version,
    postgres,
  };
}

/** The machine as every report's first line names it, load average at the start included. */
export function describeMachine(machine: MachineFigures): string {
  const load = machine.loadAverage.map((value) => value.toFixed(2)).join(' ');
  return (
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node.js ${machine.node}, ` +
    `PostgreSQL ${machine.postgres}, load average ${load} at the start`
  );
}

/** Writes `<name>.json` and `<name>.md` into `directory`, replacing the last run's. */
export async function writeReport(
  directory: string,
  name: string,
  report: unknown,
  markdown: string,
): Promise<{ markdown: string; json: string }> {
  await mkdir(directory, { recursive: true });
  const paths = { json: join(directory, `${name}.json`), markdown: join(directory, `${name}.md`) };
  await writeFile(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(paths.markdown, markdown);
  return paths;
}
