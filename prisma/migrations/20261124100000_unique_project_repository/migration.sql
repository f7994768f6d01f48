-- DropIndex
DROP INDEX `projects_github_full_name_idx` ON `projects`;

-- CreateIndex
CREATE UNIQUE INDEX `projects_github_full_name_key` ON `projects`(`github_full_name`);
