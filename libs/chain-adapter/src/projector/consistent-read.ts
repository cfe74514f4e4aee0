// Reads a service's views together with the block they reflect: one REPEATABLE READ transaction
// sees the projection cursor and the views as the same projector step left them, so the views can
// be compared with the chain at exactly that block (reconciliation).
import type { DataSource, EntityManager } from 'typeorm';

export async function readAtCursor<T>(
  dataSource: DataSource,
  projectorName: string,
  read: (manager: EntityManager) => Promise<T>,
): Promise<{ block: bigint; value: T }> {
  return dataSource.transaction('REPEATABLE READ', async (manager) => {
    const [row] = (await manager.query('SELECT block_number FROM projection_cursor WHERE name = $1', [projectorName])) as Array<{ block_number: string }>;
    const value = await read(manager);
    return { block: BigInt(row?.block_number ?? 0), value };
  });
}
