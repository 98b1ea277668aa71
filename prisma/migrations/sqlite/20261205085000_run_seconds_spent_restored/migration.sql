-- 20261205074658_pruned_results was generated beside 20261205072904_result_cache_metrics_run_seconds
-- and redefines "Run" without "secondsSpent", dropping it again on SQLite. Add it back.
ALTER TABLE "Run" ADD COLUMN "secondsSpent" REAL NOT NULL DEFAULT 0;
