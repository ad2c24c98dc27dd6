import type { Kysely } from 'kysely';
import { DirectoryStore } from '../../../store/directory-store.js';
import type { Database } from '../../../store/schema.js';
import { SYSTEM_TASK_CREATOR, type TaskStore } from '../../../store/task-store.js';
import { REMATCH_TASK_KIND, VUL_SCAN_FAMILY } from '../domain.js';
import { rematchJobKind } from '../job-kinds.js';
import type { ImportStore } from './import-store.js';
import type { ImportSummary } from './import-summary.js';

/**
 * Ends an import: records its summary and, when it changed any ecosystem, enqueues ONE re-match (an internal
 * `rematch` task with a single server job `vul-rematch {import_id}`) in the same transaction, so an import row
 * never names a task that does not exist and a committed change always has its re-match. The task lives in the
 * oldest project (tasks need one); it is exempt from the `tasks.active` quota (SYSTEM_TASK_CREATOR). Without
 * any project there can be no host inventory to re-match, so nothing is enqueued.
 */
export async function finishImport(db: Kysely<Database>, tasks: TaskStore, imports: ImportStore, summary: ImportSummary): Promise<ImportSummary> {
  if (summary.changed_ecosystems.length === 0) {
    await imports.finish(summary);
    return summary;
  }
  const directory = new DirectoryStore(db);
  const domainId = await directory.firstDomainId();
  const project = domainId === undefined ? undefined : await directory.findProject(domainId, undefined);
  if (!project) {
    await imports.finish(summary);
    return summary;
  }
  let finished = summary;
  await tasks.createTask({
    projectId: project.id, enterpriseProjectId: '0', family: VUL_SCAN_FAMILY, kind: REMATCH_TASK_KIND,
    name: `re-match after advisory import ${summary.import_id}`,
    params: { import_id: summary.import_id, ecosystems: summary.changed_ecosystems }, createdBy: SYSTEM_TASK_CREATOR,
    jobs: [{ agentId: null, kind: rematchJobKind.name, payload: { import_id: summary.import_id } }],
  }, summary.finished_at, {
    after: async (trx, task) => {
      finished = { ...summary, rematch_task_id: task.id };
      await imports.finish(finished, trx);
    },
  });
  return finished;
}
