-- Re-runs of the failed pipelines and manual triggers: the step status `reused` (appended to the ENUM: a change of
-- metadata only, no table copy), the pipeline a reused one stands for, what a re-run reuses, a trigger's inputs.

-- AlterTable
ALTER TABLE `pipelines` MODIFY `status` ENUM('pending', 'running', 'success', 'failure', 'cancelled', 'skipped', 'error', 'reused') NOT NULL DEFAULT 'pending',
    ADD COLUMN `reused_from` CHAR(36) NULL;

-- AlterTable
ALTER TABLE `stages` MODIFY `status` ENUM('pending', 'running', 'success', 'failure', 'cancelled', 'skipped', 'error', 'reused') NOT NULL DEFAULT 'pending';

-- AlterTable
ALTER TABLE `executions` MODIFY `status` ENUM('pending', 'running', 'success', 'failure', 'cancelled', 'skipped', 'error', 'reused') NOT NULL DEFAULT 'pending';

-- AlterTable
ALTER TABLE `workflows` ADD COLUMN `reused_pipelines` JSON NULL,
    ADD COLUMN `inputs` JSON NULL;
