-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "strategy" TEXT NOT NULL,
    "engine" TEXT NOT NULL,
    "taskKey" TEXT NOT NULL,
    "seed" BIGINT NOT NULL,
    "config" TEXT NOT NULL,
    "budgetCandidates" INTEGER,
    "budgetSeconds" INTEGER,
    "candidateCount" INTEGER NOT NULL DEFAULT 0,
    "resultCount" INTEGER NOT NULL DEFAULT 0,
    "okCount" INTEGER NOT NULL DEFAULT 0,
    "divergedCount" INTEGER NOT NULL DEFAULT 0,
    "tooLargeCount" INTEGER NOT NULL DEFAULT 0,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "snapshotCount" INTEGER NOT NULL DEFAULT 0,
    "bestCandidateId" INTEGER,
    "bestReward" DOUBLE PRECISION,
    "controllerId" TEXT,
    "heartbeatAt" TIMESTAMP(3),
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Candidate" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "nsc" TEXT NOT NULL,
    "ir" TEXT,
    "flops" DOUBLE PRECISION NOT NULL,
    "params" DOUBLE PRECISION NOT NULL,
    "density" DOUBLE PRECISION NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "accuracy" DOUBLE PRECISION,
    "reward" DOUBLE PRECISION,
    "curve" TEXT,
    "trainSeconds" DOUBLE PRECISION,
    "evalSeconds" DOUBLE PRECISION,
    "workerId" TEXT,
    "engine" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "fromCache" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Candidate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResultCache" (
    "taskKey" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "accuracy" DOUBLE PRECISION,
    "curve" TEXT,
    "trainSeconds" DOUBLE PRECISION,
    "evalSeconds" DOUBLE PRECISION,
    "engine" TEXT,
    "workerId" TEXT,
    "sourceRunId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ResultCache_pkey" PRIMARY KEY ("taskKey","hash")
);

-- CreateTable
CREATE TABLE "ControllerSnapshot" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "resultCount" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ControllerSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Event" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "time" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Run_status_idx" ON "Run"("status");

-- CreateIndex
CREATE INDEX "Candidate_runId_reward_sequence_idx" ON "Candidate"("runId", "reward", "sequence");

-- CreateIndex
CREATE INDEX "Candidate_runId_accuracy_sequence_idx" ON "Candidate"("runId", "accuracy", "sequence");

-- CreateIndex
CREATE INDEX "Candidate_runId_flops_sequence_idx" ON "Candidate"("runId", "flops", "sequence");

-- CreateIndex
CREATE INDEX "Candidate_runId_status_sequence_idx" ON "Candidate"("runId", "status", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "Candidate_runId_hash_key" ON "Candidate"("runId", "hash");

-- CreateIndex
CREATE UNIQUE INDEX "Candidate_runId_sequence_key" ON "Candidate"("runId", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "ControllerSnapshot_runId_sequence_key" ON "ControllerSnapshot"("runId", "sequence");

-- CreateIndex
CREATE INDEX "Event_runId_id_idx" ON "Event"("runId", "id");

-- AddForeignKey
ALTER TABLE "Candidate" ADD CONSTRAINT "Candidate_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ControllerSnapshot" ADD CONSTRAINT "ControllerSnapshot_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

