"""tousu's tools: everything a person runs (the `tousu` CLI, dev stack, demo, report, keys, dlq, docs, evaluate)."""
