-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN "baseline" TEXT;
ALTER TABLE "Candidate" ADD COLUMN "metrics" TEXT;

-- CreateTable
CREATE TABLE "Training" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT,
    "candidateId" INTEGER,
    "baseline" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "engine" TEXT NOT NULL,
    "seed" BIGINT NOT NULL,
    "config" TEXT NOT NULL,
    "ir" TEXT NOT NULL,
    "flops" REAL NOT NULL,
    "params" REAL NOT NULL,
    "accuracy" REAL,
    "curve" TEXT,
    "trainSeconds" REAL,
    "evalSeconds" REAL,
    "workerId" TEXT,
    "checkpointPath" TEXT,
    "metrics" TEXT,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);

-- CreateIndex
CREATE INDEX "Training_runId_candidateId_idx" ON "Training"("runId", "candidateId");

-- CreateIndex
CREATE INDEX "Training_status_idx" ON "Training"("status");

