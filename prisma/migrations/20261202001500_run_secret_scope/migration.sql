-- AlterTable
ALTER TABLE `workflows` ADD COLUMN `repository_private` BOOLEAN NULL;

-- AlterTable
ALTER TABLE `executions` ADD COLUMN `secrets` JSON NULL;
