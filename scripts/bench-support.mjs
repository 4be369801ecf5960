// Shared by the benchmarks: a free port, and a small Chainlit-shaped schema in two migrations.
import net from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const migrationFiles = {
  '20250103173917_init_data_layer': `CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TYPE "StepType" AS ENUM ('assistant_message', 'run', 'tool', 'user_message');
CREATE TABLE "User" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "identifier" TEXT NOT NULL UNIQUE, "metadata" JSONB NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE "Thread" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "name" TEXT, "metadata" JSONB NOT NULL, "userId" UUID REFERENCES "User" ("id"), "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE "Step" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "threadId" UUID REFERENCES "Thread" ("id") ON DELETE CASCADE, "type" "StepType" NOT NULL, "input" TEXT, "output" TEXT, "metadata" JSONB NOT NULL);
CREATE TABLE "Element" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "threadId" UUID REFERENCES "Thread" ("id") ON DELETE CASCADE, "stepId" UUID NOT NULL REFERENCES "Step" ("id") ON DELETE CASCADE, "name" TEXT NOT NULL, "objectKey" TEXT, "metadata" JSONB NOT NULL);
CREATE TABLE "Feedback" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "stepId" UUID REFERENCES "Step" ("id") ON DELETE SET NULL, "value" DOUBLE PRECISION NOT NULL, "comment" TEXT);
`,
  '20250108095538_add_tags_to_thread': `ALTER TABLE "Thread" ADD COLUMN "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];\n`,
};
