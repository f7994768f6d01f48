-- CreateTable
CREATE TABLE `project_run_counters` (
    `project_id` CHAR(36) NOT NULL,
    `next_run_number` INTEGER NOT NULL DEFAULT 1,

    PRIMARY KEY (`project_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- The existing projects' counters: the number their next workflow gets.
INSERT INTO `project_run_counters` (`project_id`, `next_run_number`)
    SELECT `p`.`id`, GREATEST(`p`.`next_run_number`, COALESCE(MAX(`w`.`number`), 0) + 1)
    FROM `projects` `p` LEFT JOIN `workflows` `w` ON `w`.`project_id` = `p`.`id`
    GROUP BY `p`.`id`, `p`.`next_run_number`;

-- AlterTable
ALTER TABLE `projects` DROP COLUMN `next_run_number`;

-- AddForeignKey
ALTER TABLE `project_run_counters` ADD CONSTRAINT `project_run_counters_project_id_fkey` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
