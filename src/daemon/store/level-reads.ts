// The LevelStore's reads that take no lock: single gets and range reads of a page. A full disk
// makes the store close and reopen its handle (level.ts): a read meeting that waits for it.
import type { ClassicLevel } from 'classic-level';
import type { StatsSample, Task } from '../../protocol/model.js';
import { idOf, K, pad, range } from './keys.js';
import type { HostInfo } from '../../protocol/hosts.js';
import type { State } from '../../protocol/model.js';
import { levelForget, levelHosts } from './level-hosts.js';
import type { ForgetOutcome } from './store.js';

export abstract class LevelReads {
  /** Made in open(), after the files are checked: abstract-level opens a database on the tick after it is constructed. */
  protected db!: ClassicLevel<string, unknown>;
  /** Set while the handle is closed and opened again after a full disk; never rejects. */
  protected reopening: Promise<void> | undefined;
  /** How many reopens have begun: a read closed under its feet by one tries once more. */
  protected reopens = 0;

  /** A read on the open handle: after a reopen that closed it mid-read, once again on the new one. */
  protected async read<T>(fn: (db: ClassicLevel<string, unknown>) => Promise<T>): Promise<T> {
    await this.reopening;
    const seen = this.reopens;
    try {
      return await fn(this.db);
    } catch (err) {
      if ((err as { code?: string }).code !== 'LEVEL_DATABASE_NOT_OPEN' || this.reopens === seen) throw err;
      await this.reopening;
      return fn(this.db);
    }
  }

  abstract counts(): Record<State, number>;

  /** One host: this daemon (a LevelDB store is never shared). */
  async hosts(me: string): Promise<HostInfo[]> {
    return levelHosts(me, this.counts());
  }

  async forgottenHosts(): Promise<string[]> {
    return [];
  }

  async forgetHost(name: string, me: string): Promise<ForgetOutcome> {
    return levelForget(name, me);
  }

  async get(id: string): Promise<Task | undefined> {
    return (await this.read((db) => db.get(K.task(id)))) as Task | undefined;
  }

  protected async getMany(ids: string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    const values = (await this.read((db) => db.getMany(ids.map(K.task)))) as (Task | undefined)[];
    return values.filter((t): t is Task => t !== undefined);
  }

  async findIds(prefix: string, limit: number): Promise<string[]> {
    const keys = await this.read((db) => db.keys({ ...range(K.task(prefix)), limit }).all());
    return keys.map((k) => k.slice(2));
  }

  async oldestFinished(limit: number, endedBefore?: number): Promise<Task[]> {
    const keys = await this.read((db) => db.keys({ gte: 'f!', lt: endedBefore === undefined ? 'f!\xff' : `f!${pad(endedBefore)}!`, limit }).all());
    return this.getMany(keys.map(idOf));
  }

  async due(now: number, limit: number): Promise<string[]> {
    const keys = await this.read((db) => db.keys({ gte: 'n!', lt: `n!${pad(now)}!\xff`, limit }).all());
    return keys.map(idOf);
  }

  async nextDue(): Promise<number | undefined> {
    const [key] = await this.read((db) => db.keys({ ...range('n!'), limit: 1 }).all());
    return key === undefined ? undefined : Number(key.split('!')[1]);
  }

  async dependents(id: string): Promise<string[]> {
    return (await this.read((db) => db.keys(range(`d!${id}!`)).all())).map(idOf);
  }

  async finished(limit: number): Promise<Task[]> {
    const keys = await this.read((db) => db.keys({ ...range('f!'), reverse: true, limit }).all());
    return this.getMany(keys.map(idOf));
  }

  async countFinishedSince(since: number, cap: number): Promise<number> {
    return this.read(async (db) => {
      let n = 0;
      for await (const _k of db.keys({ gt: `f!${pad(since)}!\xff`, lt: 'f!\xff', limit: cap })) n++;
      return n;
    });
  }

  async samples(since: number, limit: number): Promise<StatsSample[]> {
    const newest = (await this.read((db) => db.values({ gte: `h!${pad(since)}`, lt: 'h!\xff', reverse: true, limit }).all())) as StatsSample[];
    return newest.reverse();
  }
}
