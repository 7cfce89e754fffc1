"""The summary (00_summary): one answer per question of the assignment."""
