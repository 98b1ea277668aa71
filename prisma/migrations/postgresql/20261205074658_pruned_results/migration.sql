-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "prunedCount" INTEGER NOT NULL DEFAULT 0;

