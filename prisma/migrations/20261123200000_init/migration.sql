-- CreateTable
CREATE TABLE `owners` (
    `id` CHAR(36) NOT NULL,
    `name` VARCHAR(100) NOT NULL,
    `github_login` VARCHAR(100) NULL,
    `github_id` BIGINT NULL,
    `github_type` VARCHAR(20) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    UNIQUE INDEX `owners_name_key`(`name`),
    UNIQUE INDEX `owners_github_login_key`(`github_login`),
    UNIQUE INDEX `owners_github_id_key`(`github_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `installations` (
    `id` BIGINT NOT NULL,
    `owner_id` CHAR(36) NULL,
    `account_login` VARCHAR(100) NOT NULL,
    `account_id` BIGINT NOT NULL,
    `account_type` VARCHAR(20) NOT NULL,
    `repository_selection` VARCHAR(20) NOT NULL DEFAULT 'selected',
    `permissions` JSON NULL,
    `suspended_at` DATETIME(3) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `installations_owner_id_idx`(`owner_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `installation_repositories` (
    `installation_id` BIGINT NOT NULL,
    `repo_id` BIGINT NOT NULL,
    `full_name` VARCHAR(200) NOT NULL,
    `private` BOOLEAN NOT NULL DEFAULT false,

    INDEX `installation_repositories_full_name_idx`(`full_name`),
    PRIMARY KEY (`installation_id`, `repo_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `projects` (
    `id` CHAR(36) NOT NULL,
    `owner_id` CHAR(36) NOT NULL,
    `name` VARCHAR(100) NOT NULL,
    `url` VARCHAR(500) NOT NULL,
    `github_full_name` VARCHAR(200) NULL,
    `github_repo_id` BIGINT NULL,
    `webhook_secret_encrypted` TEXT NOT NULL,
    `github_hook_id` BIGINT NULL,
    `installation_id` BIGINT NULL,
    `default_branch` VARCHAR(255) NOT NULL DEFAULT 'main',
    `fork_policy` ENUM('disabled', 'no_secrets', 'approval') NOT NULL DEFAULT 'no_secrets',
    `fork_secret_pipelines` JSON NULL,
    `max_cpu` VARCHAR(20) NOT NULL DEFAULT '2',
    `max_memory` VARCHAR(20) NOT NULL DEFAULT '4Gi',
    `max_concurrent_runs` INTEGER NOT NULL DEFAULT 2,
    `next_run_number` INTEGER NOT NULL DEFAULT 1,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `projects_github_full_name_idx`(`github_full_name`),
    INDEX `projects_github_repo_id_idx`(`github_repo_id`),
    INDEX `projects_installation_id_idx`(`installation_id`),
    UNIQUE INDEX `projects_owner_id_name_key`(`owner_id`, `name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `webhook_deliveries` (
    `id` VARCHAR(64) NOT NULL,
    `event` VARCHAR(64) NOT NULL,
    `action` VARCHAR(64) NULL,
    `project_id` CHAR(36) NULL,
    `workflow_id` CHAR(36) NULL,
    `status` INTEGER NOT NULL DEFAULT 200,
    `received_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `webhook_deliveries_workflow_id_key`(`workflow_id`),
    INDEX `webhook_deliveries_project_id_idx`(`project_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `workflows` (
    `id` CHAR(36) NOT NULL,
    `project_id` CHAR(36) NOT NULL,
    `number` INTEGER NOT NULL,
    `event` VARCHAR(32) NOT NULL,
    `action` VARCHAR(32) NULL,
    `ref` VARCHAR(255) NOT NULL,
    `sha` CHAR(40) NOT NULL,
    `branch` VARCHAR(255) NULL,
    `tag` VARCHAR(255) NULL,
    `pr_number` INTEGER NULL,
    `base_sha` CHAR(40) NULL,
    `head_repo_full_name` VARCHAR(200) NULL,
    `trusted` BOOLEAN NOT NULL DEFAULT true,
    `sender` VARCHAR(100) NULL,
    `changed_paths` JSON NULL,
    `status` ENUM('awaiting_approval', 'queued', 'provisioning', 'running', 'success', 'failure', 'cancelled', 'error') NOT NULL DEFAULT 'queued',
    `status_reason` TEXT NULL,
    `runner_handle` VARCHAR(255) NULL,
    `enqueued_at` DATETIME(3) NULL,
    `check_run_id` BIGINT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `started_at` DATETIME(3) NULL,
    `finished_at` DATETIME(3) NULL,
    `updated_at` DATETIME(3) NOT NULL,

    INDEX `workflows_status_enqueued_at_idx`(`status`, `enqueued_at`),
    UNIQUE INDEX `workflows_project_id_number_key`(`project_id`, `number`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `pipelines` (
    `id` CHAR(36) NOT NULL,
    `workflow_id` CHAR(36) NOT NULL,
    `name` VARCHAR(100) NOT NULL,
    `position` INTEGER NOT NULL,
    `depends_on` JSON NOT NULL,
    `status` ENUM('pending', 'running', 'success', 'failure', 'cancelled', 'skipped', 'error') NOT NULL DEFAULT 'pending',
    `reason` TEXT NULL,
    `started_at` DATETIME(3) NULL,
    `finished_at` DATETIME(3) NULL,

    UNIQUE INDEX `pipelines_workflow_id_name_key`(`workflow_id`, `name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `stages` (
    `id` CHAR(36) NOT NULL,
    `pipeline_id` CHAR(36) NOT NULL,
    `name` VARCHAR(100) NOT NULL,
    `position` INTEGER NOT NULL,
    `status` ENUM('pending', 'running', 'success', 'failure', 'cancelled', 'skipped', 'error') NOT NULL DEFAULT 'pending',
    `started_at` DATETIME(3) NULL,
    `finished_at` DATETIME(3) NULL,

    UNIQUE INDEX `stages_pipeline_id_name_key`(`pipeline_id`, `name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `executions` (
    `id` CHAR(36) NOT NULL,
    `stage_id` CHAR(36) NOT NULL,
    `name` VARCHAR(100) NOT NULL,
    `position` INTEGER NOT NULL,
    `command` TEXT NOT NULL,
    `status` ENUM('pending', 'running', 'success', 'failure', 'cancelled', 'skipped', 'error') NOT NULL DEFAULT 'pending',
    `exit_code` INTEGER NULL,
    `reason` TEXT NULL,
    `started_at` DATETIME(3) NULL,
    `finished_at` DATETIME(3) NULL,

    UNIQUE INDEX `executions_stage_id_name_key`(`stage_id`, `name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `log_chunks` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `execution_id` CHAR(36) NOT NULL,
    `seq` INTEGER NOT NULL,
    `data` MEDIUMTEXT NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `log_chunks_execution_id_seq_key`(`execution_id`, `seq`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `installations` ADD CONSTRAINT `installations_owner_id_fkey` FOREIGN KEY (`owner_id`) REFERENCES `owners`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `installation_repositories` ADD CONSTRAINT `installation_repositories_installation_id_fkey` FOREIGN KEY (`installation_id`) REFERENCES `installations`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `projects` ADD CONSTRAINT `projects_owner_id_fkey` FOREIGN KEY (`owner_id`) REFERENCES `owners`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `projects` ADD CONSTRAINT `projects_installation_id_fkey` FOREIGN KEY (`installation_id`) REFERENCES `installations`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `webhook_deliveries` ADD CONSTRAINT `webhook_deliveries_project_id_fkey` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `webhook_deliveries` ADD CONSTRAINT `webhook_deliveries_workflow_id_fkey` FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `workflows` ADD CONSTRAINT `workflows_project_id_fkey` FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `pipelines` ADD CONSTRAINT `pipelines_workflow_id_fkey` FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `stages` ADD CONSTRAINT `stages_pipeline_id_fkey` FOREIGN KEY (`pipeline_id`) REFERENCES `pipelines`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `executions` ADD CONSTRAINT `executions_stage_id_fkey` FOREIGN KEY (`stage_id`) REFERENCES `stages`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `log_chunks` ADD CONSTRAINT `log_chunks_execution_id_fkey` FOREIGN KEY (`execution_id`) REFERENCES `executions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
