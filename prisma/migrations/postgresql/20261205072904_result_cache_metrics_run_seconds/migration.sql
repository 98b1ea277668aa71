-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "secondsSpent" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "ResultCache" ADD COLUMN     "metrics" TEXT;

