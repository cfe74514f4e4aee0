// Rebuilds a service's views from the chain twice — every event applied alone, then runs of events
// in bulk (applyMany) — and returns what each left: the views and the events written to publish.
// The event outbox is emptied before each rebuild, so each writes every event again, in its order.
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChainClient, Projector, type ChainEvent, type Projection } from '#chain-adapter';

export interface ProjectedSnapshot {
  views: unknown[][];
  events: unknown[];
}

export async function projectOneByOneAndInBulk(
  app: INestApplication,
  tables: string[],
  projections: Projection[],
  /** The event kind whose run lengths are reported (e.g. BillRecorded). */
  runsOf: string,
): Promise<{ oneByOne: ProjectedSnapshot; inBulk: ProjectedSnapshot; runs: number[] }> {
  const dataSource = app.get(DataSource);
  const projector = app.get(Projector);
  const chain = app.get(ChainClient);
  const snapshot = async (): Promise<ProjectedSnapshot> => ({
    views: await Promise.all(tables.map((table) => dataSource.query(`SELECT * FROM ${table} ORDER BY 1, 2`))),
    // Each envelope as stored, byte for byte (the bulk path may have Postgres write it), and parsed.
    events: ((await dataSource.query('SELECT id, subject, envelope::text AS text FROM event_outbox ORDER BY seq')) as Array<{ id: string; subject: string; text: string }>).map(
      (row) => ({ ...row, envelope: JSON.parse(row.text) as unknown }),
    ),
  });
  const rebuildFromScratch = async () => {
    await dataSource.query('DELETE FROM event_outbox');
    const head = await chain.blockNumber();
    await projector.rebuild({ reopenOutbox: false });
    const deadline = Date.now() + 15_000;
    while ((projector.appliedBlock ?? 0n) < head && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    if ((projector.appliedBlock ?? 0n) < head) throw new Error(`the rebuild did not reach block ${head}`);
  };
  const patched = projections as Array<{ applyMany?: Projection['applyMany'] }>;

  for (const projection of patched) projection.applyMany = undefined; // the projector then applies each event alone
  try {
    await rebuildFromScratch();
  } finally {
    for (const projection of patched) delete projection.applyMany;
  }
  const oneByOne = await snapshot();

  const runs: number[] = [];
  for (const projection of patched) {
    const bulk = projection.applyMany!.bind(projection);
    projection.applyMany = async (events: readonly ChainEvent[], manager) => {
      if (projection === patched[0] && events[0].name === runsOf) runs.push(events.length);
      return bulk(events, manager);
    };
  }
  try {
    await rebuildFromScratch();
  } finally {
    for (const projection of patched) delete projection.applyMany;
  }
  return { oneByOne, inBulk: await snapshot(), runs };
}
