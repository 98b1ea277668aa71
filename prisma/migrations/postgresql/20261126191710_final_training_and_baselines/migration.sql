-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN     "baseline" TEXT,
ADD COLUMN     "metrics" TEXT;

-- CreateTable
CREATE TABLE "Training" (
    "id" SERIAL NOT NULL,
    "runId" TEXT,
    "candidateId" INTEGER,
    "baseline" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "engine" TEXT NOT NULL,
    "seed" BIGINT NOT NULL,
    "config" TEXT NOT NULL,
    "ir" TEXT NOT NULL,
    "flops" DOUBLE PRECISION NOT NULL,
    "params" DOUBLE PRECISION NOT NULL,
    "accuracy" DOUBLE PRECISION,
    "curve" TEXT,
    "trainSeconds" DOUBLE PRECISION,
    "evalSeconds" DOUBLE PRECISION,
    "workerId" TEXT,
    "checkpointPath" TEXT,
    "metrics" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Training_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Training_runId_candidateId_idx" ON "Training"("runId", "candidateId");

-- CreateIndex
CREATE INDEX "Training_status_idx" ON "Training"("status");

