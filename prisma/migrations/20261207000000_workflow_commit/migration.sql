-- The commit a workflow runs, as people read it in lists: its message (a push's head commit, a pull request's title;
-- at most 1,000 characters) and its author. Nullable: unknown for older workflows and manual triggers.

-- AlterTable
ALTER TABLE `workflows` ADD COLUMN `commit_message` VARCHAR(1000) NULL,
    ADD COLUMN `commit_author` VARCHAR(100) NULL;
