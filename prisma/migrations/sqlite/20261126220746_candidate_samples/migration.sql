-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN "samples" TEXT;

