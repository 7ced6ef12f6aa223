// The task types in force: read from the bundled dir, the user's dir and
// configured paths (later ones override earlier), re-read on file change.
// A broken file is reported and its last good version stays in force.
// Types added over RPC (stored in the database, source "db:NAME") come
// after all files: a file type of the same name wins.
import { existsSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { TaskTypeInfo, TypeLoadError } from '../../protocol/model.js';
import { parseTypeFile, parseTypeText, resolveType, typeFromDoc, TypeFileError, type TypeDraft } from '../../core/tasktype.js';
import { accountExists } from '../../os/users.js';
import type { StoredType } from '../store/store.js';
import type { ParsedTypeFile } from './bundled.js';

export const STORED_PREFIX = 'db:';

export interface RegistryOptions {
  dirs: string[];
  onChange?: (name: string) => void;
  log?: (msg: string) => void;
  /** Files already parsed (the bundled types, by the build), by path: used while a file's text is the one parsed. */
  parsed?: Map<string, ParsedTypeFile>;
}

export class TypeRegistry {
  /** Last good draft per type name. */
  private drafts = new Map<string, TypeDraft>();
  /** Types added over RPC, by name; shadowed by a file type of the same name. */
  private stored = new Map<string, TypeDraft>();
  /** Current problems per file. */
  private fileErrors = new Map<string, TypeLoadError[]>();
  private watchers: FSWatcher[] = [];
  private debounce = new Map<string, NodeJS.Timeout>();

  constructor(private opts: RegistryOptions) {}

  get dirs(): string[] {
    return this.opts.dirs;
  }

  load(): void {
    this.resolved.clear();
    this.drafts.clear();
    this.fileErrors.clear();
    for (const dir of this.opts.dirs) {
      let files: string[];
      try {
        files = readdirSync(dir)
          .filter((f) => f.endsWith('.toml'))
          .sort();
      } catch {
        continue;
      }
      for (const f of files) this.readFile(path.join(dir, f));
    }
  }

  /** Re-read one file. Returns the errors found (empty when it loaded). */
  readFile(file: string): TypeLoadError[] {
    // Any file may be another type's `extends` parent: forget every resolved type.
    this.resolved.clear();
    const name = path.basename(file, '.toml');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // Deleted: fall back to the same name in an earlier dir, if any.
        this.fileErrors.delete(file);
        if (this.drafts.get(name)?.source === file) {
          this.drafts.delete(name);
          const earlier = this.opts.dirs.map((d) => path.join(d, `${name}.toml`)).filter((p) => p !== file && existsSync(p));
          for (const p of earlier) this.readFile(p);
        }
        return [];
      }
      throw err;
    }
    try {
      const parsed = this.opts.parsed?.get(file);
      const draft = parsed?.text === text ? typeFromDoc(name, file, structuredClone(parsed.doc), text, accountExists) : parseTypeFile(name, file, text, accountExists);
      const current = this.drafts.get(name);
      // A file in a later dir overrides; an earlier dir's file does not displace it.
      if (current && current.source !== file && this.rank(current.source) > this.rank(file)) return [];
      this.drafts.set(name, draft);
      this.fileErrors.delete(file);
      return [];
    } catch (err) {
      if (!(err instanceof TypeFileError)) throw err;
      this.fileErrors.set(file, err.errors);
      this.opts.log?.(`task type ${file} is invalid; keeping its last good version:\n${err.message}`);
      return err.errors;
    }
  }

  private rank(file: string): number {
    return this.opts.dirs.findIndex((d) => path.dirname(file) === path.resolve(d));
  }

  watch(): void {
    for (const dir of this.opts.dirs) {
      if (!existsSync(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, (_ev, filename) => {
          if (!filename || !filename.toString().endsWith('.toml')) return;
          const file = path.join(dir, filename.toString());
          // Editors write in several steps; read once they settle.
          clearTimeout(this.debounce.get(file));
          this.debounce.set(
            file,
            setTimeout(() => {
              this.debounce.delete(file);
              this.readFile(file);
              this.opts.onChange?.(path.basename(file, '.toml'));
            }, 50),
          );
        });
        w.on('error', () => {});
        this.watchers.push(w);
      } catch {
        // A directory we cannot watch is still read on rescan.
      }
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    for (const t of this.debounce.values()) clearTimeout(t);
    this.watchers = [];
  }

  /** Replace the stored types (at start, and on rescan). A stored type that no longer parses is reported, not kept. */
  setStored(types: StoredType[]): void {
    this.resolved.clear();
    this.stored.clear();
    for (const e of [...this.fileErrors.keys()]) if (e.startsWith(STORED_PREFIX)) this.fileErrors.delete(e);
    for (const t of types) {
      try {
        this.stored.set(t.name, parseTypeText(t.name, STORED_PREFIX + t.name, t.content, accountExists));
      } catch (err) {
        if (!(err instanceof TypeFileError)) throw err;
        this.fileErrors.set(STORED_PREFIX + t.name, err.errors);
        this.opts.log?.(`stored task type ${t.name} is invalid:\n${err.message}`);
      }
    }
  }

  /** Add or replace one stored type (already checked with `check`). */
  putStored(t: StoredType): void {
    this.resolved.clear(); // it may be another type's parent
    this.stored.set(t.name, parseTypeText(t.name, STORED_PREFIX + t.name, t.content, accountExists));
    this.fileErrors.delete(STORED_PREFIX + t.name);
  }

  removeStored(name: string): boolean {
    this.resolved.clear();
    this.fileErrors.delete(STORED_PREFIX + name);
    return this.stored.delete(name);
  }

  hasStored(name: string): boolean {
    return this.stored.has(name);
  }

  /** The file that defines a type, when a file does (even if a stored type has the same name). */
  fileOf(name: string): string | undefined {
    return this.drafts.get(name)?.source;
  }

  /** The draft in force for a name: a file's, else a stored one. */
  private draft(name: string): TypeDraft | undefined {
    return this.drafts.get(name) ?? this.stored.get(name);
  }

  names(): string[] {
    return [...new Set([...this.drafts.keys(), ...this.stored.keys()])].sort();
  }

  /** Resolved types, kept until any file changes (a submit must not re-resolve its type). */
  private resolved = new Map<string, TaskTypeInfo | undefined>();

  get(name: string): TaskTypeInfo | undefined {
    if (this.resolved.has(name)) return this.resolved.get(name);
    const draft = this.draft(name);
    if (!draft) return undefined;
    let info: TaskTypeInfo | undefined;
    try {
      info = resolveType(draft, (n) => this.draft(n));
      const errs = this.fileErrors.get(draft.source);
      if (errs) info.error = errs.map((e) => `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`).join('\n');
    } catch (err) {
      if (!(err instanceof TypeFileError)) throw err;
    }
    this.resolved.set(name, info);
    return info;
  }

  /** Problems: unreadable files and types whose `extends` does not resolve. */
  errors(): TypeLoadError[] {
    const out = [...this.fileErrors.values()].flat();
    for (const name of this.names()) {
      try {
        resolveType(this.draft(name)!, (n) => this.draft(n));
      } catch (err) {
        if (err instanceof TypeFileError) out.push(...err.errors);
      }
    }
    return out;
  }

  all(): TaskTypeInfo[] {
    return this.names()
      .map((n) => this.get(n))
      .filter((t): t is TaskTypeInfo => t !== undefined);
  }

  /** Validate text as if it were a type file, against the types in force (for extends). */
  check(name: string, file: string, text: string): { info?: TaskTypeInfo; errors: TypeLoadError[] } {
    try {
      const draft = parseTypeText(name, file, text, accountExists);
      return { info: resolveType(draft, (n) => (n === name ? undefined : this.draft(n))), errors: [] };
    } catch (err) {
      if (err instanceof TypeFileError) return { errors: err.errors };
      throw err;
    }
  }
}
