"""Did a build reproduce another: the comparison of two builds' result tables, its page and its command line."""
