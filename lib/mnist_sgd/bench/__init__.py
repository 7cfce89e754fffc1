"""The benchmark: the project's loops timed against naive ones and against the machine's limits (make bench)."""
