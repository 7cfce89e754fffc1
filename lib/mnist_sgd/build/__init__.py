"""Running a profile: its parameters, each job's identity, the plan, the start order, the Dask workers, the command line."""
