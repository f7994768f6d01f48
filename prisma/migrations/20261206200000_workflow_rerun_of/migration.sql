-- AlterTable: a re-run names the workflow it re-runs (a link only: no foreign key, so retention may delete either)
ALTER TABLE `workflows` ADD COLUMN `rerun_of` CHAR(36) NULL;

-- CreateIndex: the re-runs of a workflow
CREATE INDEX `workflows_rerun_of_idx` ON `workflows`(`rerun_of`);
