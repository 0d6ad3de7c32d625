import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface SourceWatcherOptions {
  /** The files to watch at first (absolute paths). */
  inputs: readonly string[];
  /** Rebuilds; resolves with the files the new build read, rejects to keep the old ones. */
  rebuild(changed: string): Promise<readonly string[]>;
  /** How long to wait for more changes before rebuilding: editors write in several steps. */
  settleMs?: number;
}

/**
 * Watches the folders of a build's input files (not the files: editors often replace a file
 * on save, which ends a watch on it) and runs one rebuild at a time, once more if files changed
 * while it ran. `close()` stops everything; the process is then free to exit.
 */
export class SourceWatcher {
  readonly #options: SourceWatcherOptions;
  readonly #folders = new Map<string, FSWatcher>();
  #inputs = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #pending: string | undefined;
  #closed = false;

  constructor(options: SourceWatcherOptions) {
    this.#options = options;
    this.#watch(options.inputs);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const watcher of this.#folders.values()) watcher.close();
    this.#folders.clear();
  }

  #watch(inputs: readonly string[]): void {
    this.#inputs = new Set(inputs);
    const folders = new Set(inputs.map((input) => dirname(input)));
    for (const [folder, watcher] of this.#folders) {
      if (!folders.has(folder)) {
        watcher.close();
        this.#folders.delete(folder);
      }
    }
    for (const folder of folders) {
      if (this.#folders.has(folder)) continue;
      try {
        const watcher = watch(folder, (_event, name) => {
          if (name !== null) this.#changed(join(folder, basename(name)));
        });
        // A folder deleted under us: the next successful build watches what exists then.
        watcher.on('error', () => {
          watcher.close();
          this.#folders.delete(folder);
        });
        this.#folders.set(folder, watcher);
      } catch {
        // The folder vanished between the build and now; nothing to watch there.
      }
    }
  }

  #changed(file: string): void {
    if (this.#closed || !this.#inputs.has(file)) return;
    this.#pending = file;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#drain(), this.#options.settleMs ?? 50);
  }

  #drain(): void {
    if (this.#running || this.#pending === undefined || this.#closed) return;
    const changed = this.#pending;
    this.#pending = undefined;
    this.#running = this.#options.rebuild(changed).then(
      (inputs) => {
        if (!this.#closed) this.#watch(inputs);
      },
      // The caller reported the failure; keep watching the previous inputs.
      () => undefined,
    );
    void this.#running.finally(() => {
      this.#running = undefined;
      this.#drain();
    });
  }
}
