"""One folder per task, named as its notebook: the rows its jobs write, the tables they show, the prose they say."""
