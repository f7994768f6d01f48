-- Allowed failures and retries (`.factory`'s allow_failure and retry): whether an execution's failure is allowed, and
-- the attempts that failed and were tried again (a JSON array; null: none).

-- AlterTable
ALTER TABLE `executions` ADD COLUMN `allow_failure` BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN `attempts` JSON NULL;
