"""Minibatch SGD on MNIST, a reproducible report.

- ``store``: the report folder and the project's paths: layout, atomic writes, stamps, result tables, the lock.
- ``science``: the data, the models, SGD and its convergence criteria, the experiments.
- ``show``: presentation shared by the tasks: figures, formatting, shared sentences, hand-made references.
- ``tasks``: one folder per task, named as its notebook: the tables its jobs write and show, its prose.
- ``build``: running a profile: parameters, identity, plan, schedule, Dask workers, the command line.
- ``stitch``: the executed notebooks into one HTML page and one PDF.
- ``compare``: did a build reproduce another one.
- ``bench``: the benchmark, the project's loops against naive ones and the machine's limits.

What a notebook reaches (``store``, ``science``, ``show``, ``tasks``) never imports ``build``,
``stitch``, ``compare`` or ``bench``.
"""
