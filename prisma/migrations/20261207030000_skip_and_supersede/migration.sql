-- A delivery that asked for no run with a skip marker ([skip ci], [ci skip], [no ci]) records the marker it held.
-- A project may cancel a branch's (or pull request's) older unended workflows when a newer push arrives.

-- AlterTable
ALTER TABLE `webhook_deliveries` ADD COLUMN `skipped_by` VARCHAR(16) NULL;

-- AlterTable
ALTER TABLE `projects` ADD COLUMN `cancel_superseded` BOOLEAN NOT NULL DEFAULT false;
