"""The speed appendix (90_speed): the last make bench, read from bench.json."""
