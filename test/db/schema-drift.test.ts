import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withServerConnection, type TestDatabase } from '../support/db.js';
import { diffShapes, shapeFromDatabase, shapeFromPrismaSchema } from './schema-shape.js';

const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

/** The shape of a database, read through a connection of its own. */
function databaseShape(t: TestDatabase) {
  return withServerConnection(t.url, (conn) => shapeFromDatabase(conn, t.name));
}

describe('schema drift: the migrated database against prisma/schema.prisma', () => {
  let schema: string;
  let migrated: TestDatabase;
  beforeAll(async () => {
    schema = await readFile(schemaPath, 'utf8');
    migrated = await createTestDatabase();
  });
  afterAll(async () => {
    await migrated?.drop();
  });

  it('prisma/migrations produce exactly the database schema.prisma describes', async () => {
    const problems = diffShapes(shapeFromPrismaSchema(schema), await databaseShape(migrated));
    expect(problems, `prisma/migrations and prisma/schema.prisma disagree; add a migration:\n${problems.join('\n')}`).toEqual([]);
  });

  it('reads the schema the way Prisma maps it to MySQL', () => {
    const projects = shapeFromPrismaSchema(schema).get('projects');
    expect(projects?.columns.get('id')).toEqual({ type: 'char(36)', nullable: false, default: null, autoIncrement: false });
    expect(projects?.columns.get('fork_policy')).toEqual({
      type: "enum('disabled','no_secrets','approval')",
      nullable: false,
      default: "'no_secrets'",
      autoIncrement: false,
    });
    expect(projects?.columns.get('created_at')?.default).toBe('current_timestamp(3)');
    expect(projects?.indexes.get('projects_owner_id_name_key')).toEqual({ unique: true, columns: ['owner_id', 'name'] });
    expect(projects?.foreignKeys.get('projects_owner_id_fkey')).toEqual({
      columns: ['owner_id'],
      referencedTable: 'owners',
      referencedColumns: ['id'],
      onDelete: 'RESTRICT',
      onUpdate: 'CASCADE',
    });
    expect(shapeFromPrismaSchema(schema).get('log_chunks')?.columns.get('id')?.autoIncrement).toBe(true);
  });

  it('reports a schema.prisma that changed without a migration', async () => {
    const changed = schema
      .replace('name          String         @unique @db.VarChar(100)', 'name          String         @unique @db.VarChar(120)')
      .replace('  maxConcurrentRuns       Int             @default(2)', '  maxConcurrentRuns       Int             @default(3)')
      .replace('  @@index([githubRepoId])\n', '')
      .replace('  seq         Int\n', '  seq         Int\n  stream      String    @default("stdout") @db.VarChar(6)\n')
      .replace('onDelete: SetNull)\n  accountLogin', 'onDelete: Cascade)\n  accountLogin')
      .concat('\nmodel Artifact {\n  id   String @id @db.Char(36)\n  @@map("artifacts")\n}\n');
    expect(changed).not.toBe(schema);
    const problems = diffShapes(shapeFromPrismaSchema(changed), await databaseShape(migrated));
    expect(problems).toEqual(
      expect.arrayContaining([
        'table artifacts: in schema.prisma, missing in the database',
        'table owners: column name: type is "varchar(100)" in the database, "varchar(120)" in schema.prisma',
        'table projects: column max_concurrent_runs: default is "2" in the database, "3" in schema.prisma',
        'table projects: index projects_github_repo_id_idx {"unique":false,"columns":["github_repo_id"]} is not in schema.prisma',
        'table log_chunks: column stream is missing in the database',
        expect.stringMatching(/^table installations: foreign key installations_owner_id_fkey is .*"onDelete":"SET NULL".* in the database, .*"onDelete":"CASCADE"/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('reports a database changed behind the migrations back', async () => {
    const altered = await createTestDatabase();
    try {
      await withServerConnection(altered.url, (conn) =>
        conn.query(
          `USE \`${altered.name}\`;
           ALTER TABLE workflows MODIFY sha CHAR(64) NOT NULL;
           ALTER TABLE workflows MODIFY branch VARCHAR(255) NOT NULL;
           ALTER TABLE executions ALTER COLUMN status SET DEFAULT 'running';
           ALTER TABLE pipelines DROP INDEX pipelines_workflow_id_name_key, ADD INDEX pipelines_workflow_id_idx (workflow_id);
           ALTER TABLE stages DROP FOREIGN KEY stages_pipeline_id_fkey;
           ALTER TABLE owners ADD COLUMN nickname VARCHAR(20) NULL;
           CREATE TABLE scratch (id INT PRIMARY KEY);`,
        ),
      );
      const problems = diffShapes(shapeFromPrismaSchema(schema), await databaseShape(altered));
      expect(problems).toEqual(
        expect.arrayContaining([
          'table scratch: in the database, not in schema.prisma',
          'table workflows: column sha: type is "char(64)" in the database, "char(40)" in schema.prisma',
          'table workflows: column branch: nullable is false in the database, true in schema.prisma',
          'table executions: column status: default is "\'running\'" in the database, "\'pending\'" in schema.prisma',
          'table pipelines: index pipelines_workflow_id_name_key {"unique":true,"columns":["workflow_id","name"]} is missing in the database',
          'table pipelines: index pipelines_workflow_id_idx {"unique":false,"columns":["workflow_id"]} is not in schema.prisma',
          expect.stringMatching(/^table stages: foreign key stages_pipeline_id_fkey .* is missing in the database$/),
          'table owners: column nickname is not in schema.prisma',
        ]),
      );
      expect(problems).toHaveLength(8);
    } finally {
      await altered.drop();
    }
  });
});
