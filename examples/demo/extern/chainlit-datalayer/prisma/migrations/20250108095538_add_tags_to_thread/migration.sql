-- Threads can carry free-form tags.
ALTER TABLE "Thread" ADD COLUMN "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];
