-- Schedules (`.factory`'s `schedule "name" { cron = ... }` of the default branch): each due time starts one run of
-- event `schedule`; the workflow records which schedule and due time it runs for, unique per project.

-- AlterTable
ALTER TABLE `workflows` ADD COLUMN `schedule` VARCHAR(128) NULL,
    ADD COLUMN `scheduled_for` DATETIME(3) NULL;

-- CreateIndex
CREATE UNIQUE INDEX `workflows_project_id_schedule_scheduled_for_key` ON `workflows`(`project_id`, `schedule`, `scheduled_for`);

-- CreateTable
CREATE TABLE `schedules` (
    `id` CHAR(36) NOT NULL,
    `project_id` CHAR(36) NOT NULL,
    `name` VARCHAR(128) NOT NULL,
    `cron` VARCHAR(200) NOT NULL,
    `timezone` VARCHAR(64) NOT NULL DEFAULT 'UTC',
    `branch` VARCHAR(255) NULL,
    `next_due_at` DATETIME(3) NULL,
    `last_due_at` DATETIME(3) NULL,
    `last_workflow_id` CHAR(36) NULL,
    `last_error` VARCHAR(500) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `schedules_next_due_at_idx`(`next_due_at`),
    UNIQUE INDEX `schedules_project_id_name_key`(`project_id`, `name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `schedule_sources` (
    `project_id` CHAR(36) NOT NULL,
    `workflow_id` CHAR(36) NOT NULL,
    `workflow_number` INTEGER NOT NULL,
    `sha` CHAR(40) NOT NULL,
    `updated_at` DATETIME(3) NOT NULL,

    PRIMARY KEY (`project_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `schedules` ADD CONSTRAINT `schedules_project_id_fkey` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `schedule_sources` ADD CONSTRAINT `schedule_sources_project_id_fkey` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
