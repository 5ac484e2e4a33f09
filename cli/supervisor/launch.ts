/**
 * How a server process is started. A built checkout (`npm ci` runs `prepare` = tsc) has compiled
 * entries in `dist/`; a development checkout may have none, or ones older than the sources it is
 * editing, and then the `.ts` entry runs through `@swc-node/register`. The choice is a pure function
 * of what exists on disk; `resolveLaunch` gathers those facts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Result } from '../../stdx';
import { err, ok } from '../../stdx';

/** The server binaries the supervisor can start; each has `<name>/main.ts` and `dist/<name>/main.js`. */
export const ServerEntries = ['nameserver', 'broker'] as const;
export type ServerEntry = (typeof ServerEntries)[number];

export const LaunchModes = ['auto', 'dist', 'source'] as const;
export type LaunchMode = (typeof LaunchModes)[number];

export interface LaunchFacts {
  readonly mode: LaunchMode;
  /** mtime of `dist/<entry>/main.js`, undefined when it does not exist. */
  readonly distMtimeMs: number | undefined;
  /** Newest mtime among the TypeScript sources, undefined when there are none (an installed package). */
  readonly newestSourceMtimeMs: number | undefined;
  /** Whether `<entry>/main.ts` exists and `@swc-node/register` can be loaded. */
  readonly sourceRunnable: boolean;
}

/** Which form of an entry to run, or why none can. */
export function chooseLaunch(facts: LaunchFacts): Result<'dist' | 'source', string> {
  const distOk = facts.distMtimeMs !== undefined;
  if (facts.mode === 'dist') return distOk ? ok('dist') : err('no compiled entry in dist/ (run `npm run build`)');
  if (facts.mode === 'source') return facts.sourceRunnable ? ok('source') : err('cannot run from source: the .ts entry or @swc-node/register is missing');
  const distFresh = distOk && (facts.newestSourceMtimeMs === undefined || facts.distMtimeMs! >= facts.newestSourceMtimeMs);
  if (distFresh) return ok('dist');
  if (facts.sourceRunnable) return ok('source');
  if (distOk) return ok('dist'); // stale but the only thing we can run
  return err('neither dist/ nor a runnable source entry found (run `npm run build`)');
}

export interface LaunchCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly form: 'dist' | 'source';
}

/** Folders that never hold server sources, skipped when looking for the newest source file. */
const NOT_SOURCES = new Set(['node_modules', 'dist', 'data', 'coverage', '.git', 'build', 'docs', 'e2e', 'bench', 'testing']);

/** The repository (or installed package) root: the nearest folder up from here with a package.json. */
export function packageRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
}

/** Newest mtime of the non-test `.ts` files under `root`; bounded walk (sources are a few hundred files). */
export function newestSourceMtimeMs(root: string, maxFiles = 20_000): number | undefined {
  let newest: number | undefined;
  let seen = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (seen >= maxFiles) return;
      if (e.isDirectory()) {
        if (!NOT_SOURCES.has(e.name) && !e.name.startsWith('.')) walk(path.join(dir, e.name));
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        seen++;
        const m = fs.statSync(path.join(dir, e.name)).mtimeMs;
        if (newest === undefined || m > newest) newest = m;
      }
    }
  };
  walk(root);
  return newest;
}

function mtimeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function swcRegisterPath(root: string): string | undefined {
  try {
    return require.resolve('@swc-node/register', { paths: [root] });
  } catch {
    return undefined;
  }
}

export interface LaunchContext {
  readonly root: string;
  readonly mode: LaunchMode;
  /** Computed once per `up` (the source walk is the costly part). */
  readonly newestSourceMtimeMs: number | undefined;
  /** Preloaded into every child (the orphan guard); a `.ts` path forces the swc register in front of it. */
  readonly preload?: string;
}

export function launchContext(mode: LaunchMode, preload?: string, root = packageRoot()): LaunchContext {
  return { root, mode, newestSourceMtimeMs: mode === 'dist' ? undefined : newestSourceMtimeMs(root), ...(preload === undefined ? {} : { preload }) };
}

/** The node command line that runs `entry` with `args`. */
export function resolveLaunch(ctx: LaunchContext, entry: ServerEntry, args: readonly string[]): Result<LaunchCommand, string> {
  const distFile = path.join(ctx.root, 'dist', entry, 'main.js');
  const sourceFile = path.join(ctx.root, entry, 'main.ts');
  const register = swcRegisterPath(ctx.root);
  const sourceRunnable = register !== undefined && fs.existsSync(sourceFile);
  const choice = chooseLaunch({ mode: ctx.mode, distMtimeMs: mtimeOf(distFile), newestSourceMtimeMs: ctx.newestSourceMtimeMs, sourceRunnable });
  if (!choice.ok) return err(`${entry}: ${choice.error}`);
  const needsRegister = choice.value === 'source' || (ctx.preload?.endsWith('.ts') ?? false);
  if (needsRegister && register === undefined) return err(`${entry}: @swc-node/register is needed to run TypeScript but is not installed`);
  const nodeArgs: string[] = [];
  if (needsRegister) nodeArgs.push('-r', register!);
  if (ctx.preload !== undefined) nodeArgs.push('-r', ctx.preload);
  nodeArgs.push(choice.value === 'dist' ? distFile : sourceFile, ...args);
  const env: Record<string, string> = needsRegister ? { SWC_NODE_PROJECT: path.join(ctx.root, 'tsconfig.json') } : {};
  return ok({ file: process.execPath, args: nodeArgs, env, form: choice.value });
}
