-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "bestReward" REAL,
    "controllerId" TEXT,
    "heartbeatAt" DATETIME,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Candidate" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "nsc" TEXT NOT NULL,
    "ir" TEXT,
    "flops" REAL NOT NULL,
    "params" REAL NOT NULL,
    "density" REAL NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "accuracy" REAL,
    "reward" REAL,
    "curve" TEXT,
    "trainSeconds" REAL,
    "evalSeconds" REAL,
    "workerId" TEXT,
    "engine" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "fromCache" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    CONSTRAINT "Candidate_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ResultCache" (
    "taskKey" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "accuracy" REAL,
    "curve" TEXT,
    "trainSeconds" REAL,
    "evalSeconds" REAL,
    "engine" TEXT,
    "workerId" TEXT,
    "sourceRunId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("taskKey", "hash")
);

-- CreateTable
CREATE TABLE "ControllerSnapshot" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "resultCount" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ControllerSnapshot_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "time" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    CONSTRAINT "Event_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
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

