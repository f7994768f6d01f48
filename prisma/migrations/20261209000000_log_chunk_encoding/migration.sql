-- Log chunks stored compressed: how a chunk is stored (plain: its text in `data`, as before; deflate: `data` empty and
-- its UTF-8 as raw DEFLATE in `deflated`) and its size in bytes of UTF-8 (null in the rows stored before: `data`'s).
-- Columns added, `data` unchanged: the rows already stored stay as they are (plain), nothing is rewritten.

-- AlterTable
ALTER TABLE `log_chunks` ADD COLUMN `encoding` ENUM('plain', 'deflate') NOT NULL DEFAULT 'plain',
    ADD COLUMN `deflated` MEDIUMBLOB NULL,
    ADD COLUMN `bytes` INTEGER NULL;
