-- Only SQLite lost "Run"."secondsSpent" in 20261205074658_pruned_results (it redefines the table);
-- PostgreSQL altered the table in place and kept it. Nothing to do here.
SELECT 1;
