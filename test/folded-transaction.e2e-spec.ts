import { preparedQuery, TransactionRunner } from '@huigong/common';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { cleanup, startTestApp, TestApp } from './support/test-app';

/**
 * TransactionRunner.run({ fold: true }): BEGIN goes with the first prepared statement (one
 * simple-protocol message, `BEGIN; EXECUTE name(...)`), against the real PostgreSQL. What is
 * checked: the messages sent, that the parameters arrive exactly as the bound ones do, and that the
 * transaction is one unit that commits or rolls back whole.
 */
describe('folded transactions (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let tx: TransactionRunner;
  const original = Client.prototype.query;
  /** the texts every pg client sent, in order, while `work` ran */
  const sent = async <T>(work: () => Promise<T>): Promise<{ result: T; texts: string[] }> => {
    const texts: string[] = [];
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const q = args[0] as string | { text?: string; name?: string };
      texts.push(typeof q === 'string' ? q : q.name ? `prepared:${q.name}` : (q.text ?? '?'));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      return { result: await work(), texts };
    } finally {
      spy.mockRestore();
    }
  };
  /**
   * Folding needs the statement prepared on the connection the pool hands out. Every connection
   * is primed first (POOL runs at once); should another part of the app hold one meanwhile, the
   * run that found an unprimed connection (its BEGIN sent alone) is repeated, a few times at most.
   */
  const POOL = Number(process.env.DB_POOL_SIZE || 20);
  const prime = (run: () => Promise<unknown>) => Promise.all(Array.from({ length: POOL }, run));
  const sentFolded = async <T>(work: () => Promise<T>): Promise<{ result: T; texts: string[] }> => {
    let last: { result: T; texts: string[] } | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      last = await sent(work);
      if (last.texts[0] !== 'BEGIN') return last;
    }
    return last!;
  };

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.dataSource;
    tx = t.app.get(TransactionRunner);
    await ds.query(`CREATE TABLE fold_probe (id serial PRIMARY KEY, note text NOT NULL, xid bigint NOT NULL DEFAULT txid_current())`);
  });
  afterAll(async () => {
    await t.app.close();
    await cleanup(t.config);
  });

  const ECHO = `SELECT $1::text AS a, $2::text[] AS b, $3::jsonb AS c, $4::bytea AS d, $5::int AS e, $6::uuid[] AS f, $7::bigint AS g`;
  const awkward = [
    `it's a \\ backslash, "quotes", 中文, a tab\tand a newline\n`,
    ['plain', `o'brien`, 'a,b', 'back\\slash', '{braces}', null, '"quoted"'],
    JSON.stringify({ path: 'C:\\temp\\x', quote: `'`, nested: { n: [1, 2, 3] }, unicode: '\u00e9\u4e2d' }),
    Buffer.from([0, 1, 2, 254, 255]),
    null,
    ['6f1c2f7e-8a55-4c3e-9d1a-0b6f3c2d1e00', '6F1C2F7E-8A55-4C3E-9D1A-0B6F3C2D1E01'],
    '9007199254740993',
  ];

  it('BEGIN goes with the first prepared statement once it is prepared on the connection, and the parameters arrive as bound ones do', async () => {
    // the pool may hand out any connection: prime the statement on all of them with plain (bound) runs
    const bound = await prime(() => tx.run((em) => preparedQuery(em, 'test.fold-echo', ECHO, awkward), { fold: true }));
    const { result: folded, texts } = await sentFolded(() => tx.run((em) => preparedQuery(em, 'test.fold-echo', ECHO, awkward), { fold: true }));
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^BEGIN; EXECUTE "test\.fold-echo"\(/);
    expect(texts[1]).toBe('COMMIT');
    expect(folded).toEqual(bound[0]);
    expect(folded[0]).toMatchObject({ a: awkward[0], b: awkward[1], d: awkward[3], e: null, g: '9007199254740993' });
    expect((folded[0] as { c: unknown }).c).toEqual(JSON.parse(awkward[2] as string));
    expect((folded[0] as { f: string[] }).f).toEqual((awkward[5] as string[]).map((u) => u.toLowerCase()));
  });

  it('the folded BEGIN opens the transaction of every later statement: committed whole, rolled back whole', async () => {
    const insert = `INSERT INTO fold_probe (note) VALUES ($1) RETURNING xid::text`;
    // prime the statement everywhere (bound runs), as the checkout's first groups do
    await prime(() => tx.run((em) => preparedQuery(em, 'test.fold-first', insert, ['prime']), { fold: true }));
    const { result, texts } = await sentFolded(() =>
      tx.run(async (em: EntityManager) => {
        const [a] = await preparedQuery<{ xid: string }>(em, 'test.fold-first', insert, ['first']);
        const [b] = await em.query(`INSERT INTO fold_probe (note) VALUES ($1) RETURNING xid::text`, [`second's`]);
        return [a.xid, b.xid];
      }, { fold: true }),
    );
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(/^BEGIN; EXECUTE "test\.fold-first"\('first'\)$/);
    expect(texts[2]).toBe('COMMIT');
    expect(result[0]).toBe(result[1]);
    expect(await ds.query(`SELECT note, xid::text FROM fold_probe WHERE note IN ('first', 'second''s') ORDER BY id`)).toEqual([
      { note: 'first', xid: result[0] },
      { note: `second's`, xid: result[0] },
    ]);

    // a later statement fails: the folded first one is rolled back with it, and the connections go back clean
    const before = (await ds.query(`SELECT count(*)::int AS n FROM fold_probe`))[0].n;
    await expect(
      tx.run(async (em) => {
        await preparedQuery(em, 'test.fold-first', insert, ['rolled back']);
        await em.query(`SELECT 1 / 0`);
      }, { fold: true }),
    ).rejects.toThrow(/division by zero/);
    expect((await ds.query(`SELECT count(*)::int AS n FROM fold_probe`))[0].n).toBe(before);
    const states = await prime(() => tx.run((em) => em.query(`SELECT txid_current_if_assigned() IS NULL AS fresh`), { fold: true }));
    expect((states as { fresh: boolean }[][]).every(([x]) => x.fresh === true)).toBe(true);
  });

  it('work that fails while its BEGIN is still on the way leaves no transaction open on the connection', async () => {
    await expect(tx.run((em) => Promise.all([em.query(`SELECT 1`), Promise.reject(new Error('failed at once'))]), { fold: true })).rejects.toThrow('failed at once');
    // outside any transaction, now() is the statement's own time: on a connection left inside one it is not
    const states = await prime(() => ds.query(`SELECT now() = statement_timestamp() AS own`));
    expect((states as { own: boolean }[][]).every(([x]) => x.own === true)).toBe(true);
  });

  it('a statement that is not folded still runs inside the transaction: BEGIN is sent before it, and a failure rolls it back', async () => {
    const { texts } = await sent(() =>
      tx
        .run(async (em) => {
          await em.query(`INSERT INTO fold_probe (note) VALUES ('rolled back')`);
          throw new Error('the use case fails after its first write');
        }, { fold: true })
        .catch((e: Error) => e.message),
    );
    expect(texts[0]).toBe('BEGIN');
    expect(texts.at(-1)).toBe('ROLLBACK');
    expect((await ds.query(`SELECT count(*)::int AS n FROM fold_probe WHERE note = 'rolled back'`))[0].n).toBe(0);
  });
});
