-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Run" (
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
    "prunedCount" INTEGER NOT NULL DEFAULT 0,
    "snapshotCount" INTEGER NOT NULL DEFAULT 0,
    "bestCandidateId" INTEGER,
    "bestReward" REAL,
    "controllerId" TEXT,
    "heartbeatAt" DATETIME,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "secondsSpent" REAL NOT NULL DEFAULT 0
);
INSERT INTO "new_Run" ("bestCandidateId", "bestReward", "budgetCandidates", "budgetSeconds", "candidateCount", "config", "controllerId", "createdAt", "divergedCount", "engine", "error", "failedCount", "finishedAt", "heartbeatAt", "id", "name", "okCount", "resultCount", "secondsSpent", "seed", "snapshotCount", "startedAt", "status", "strategy", "taskKey", "tooLargeCount", "updatedAt") SELECT "bestCandidateId", "bestReward", "budgetCandidates", "budgetSeconds", "candidateCount", "config", "controllerId", "createdAt", "divergedCount", "engine", "error", "failedCount", "finishedAt", "heartbeatAt", "id", "name", "okCount", "resultCount", "secondsSpent", "seed", "snapshotCount", "startedAt", "status", "strategy", "taskKey", "tooLargeCount", "updatedAt" FROM "Run";
DROP TABLE "Run";
ALTER TABLE "new_Run" RENAME TO "Run";
CREATE INDEX "Run_status_idx" ON "Run"("status");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

