-- CreateIndex: the events stream reads a workflow's chunks after a cursor (log_chunks.id) per execution
CREATE INDEX `log_chunks_execution_id_id_idx` ON `log_chunks`(`execution_id`, `id`);
