/**
 * `npm pack` as a fresh clone would run it (prepare builds dist/), then `npm install` of the
 * tarball into a new project: what a user gets from the registry or from git. The copy of the
 * working tree keeps the repository's own dist/ untouched; node_modules is linked, not copied.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

export interface PackedFile {
  path: string;
}

export interface PackedInstall {
  /** The tarball `npm pack` wrote. */
  tarball: string;
  /** Paths inside the tarball, relative to the package root. */
  files: string[];
  /** The new project with lift-ws installed from the tarball. */
  projectDir: string;
}

/** The environment without npm's lifecycle variables (`npm test` sets them; a nested npm would obey). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, {
    cwd,
    env: cleanEnv({ npm_config_update_notifier: 'false' }),
    maxBuffer: 16 * 1024 * 1024,
    // A registry that stops answering must not hold the test run: the child is killed.
    timeout: 180000,
  });
  return stdout;
}

async function copyWorkingTree(destination: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30000,
  });
  const paths = stdout.split('\0').filter((path) => path !== '');
  for (const path of paths) {
    // A file deleted but not yet committed is still listed; skip what is gone.
    await cp(join(ROOT, path), join(destination, path)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await symlink(join(ROOT, 'node_modules'), join(destination, 'node_modules'), 'dir');
}

/**
 * Packs the working tree and installs the tarball (plus `extraPackages`) into `workDir/project`,
 * from the npm cache where it can (the registry otherwise). Takes some 15 s.
 */
export async function packAndInstall(
  workDir: string,
  projectPackage: Record<string, unknown> = {},
  extraPackages: string[] = [],
): Promise<PackedInstall> {
  const clone = join(workDir, 'clone');
  await copyWorkingTree(clone);
  const packed = JSON.parse(
    await npm(['pack', '--json', '--pack-destination', workDir], clone),
  ) as Array<{ filename: string; files: PackedFile[] }>;
  const tarball = join(workDir, packed[0].filename);
  const projectDir = join(workDir, 'project');
  await mkdir(projectDir);
  await writeFile(
    join(projectDir, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, ...projectPackage }),
  );
  await npm(
    [
      'install',
      tarball,
      ...extraPackages,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
    ],
    projectDir,
  );
  return { tarball, files: packed[0].files.map((file) => file.path), projectDir };
}
