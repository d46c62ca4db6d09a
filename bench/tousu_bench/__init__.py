"""`make bench`: ceilings, pipeline latency and throughput, analysis scaling, memory and writes, in one run."""
