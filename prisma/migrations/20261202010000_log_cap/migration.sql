-- AlterTable
ALTER TABLE `projects` ADD COLUMN `log_cap_bytes` INTEGER NULL;

-- AlterTable
ALTER TABLE `executions` ADD COLUMN `log_bytes` INTEGER NOT NULL DEFAULT 0;
