"""The queue of summarization jobs and its panel: one row per job with progress, ETA, Cancel and
Retry."""
