"""The fit on Dask: the same objective with its n-sized work on a cluster.

By job: ``inputs`` checks dask input and builds the problem, ``objective``,
``objective_line`` and ``line`` are the client side (the small solver-facing
state), ``statistics`` and ``lazy_record`` an unpenalised fit's record,
computed when first asked for,
``block_model`` and ``block_terms`` what one task is sent and computes on
one row block, ``sample_start`` a fit's starting point from a sample of the
blocks, ``predict`` lazy predictions. Nothing here imports dask at import
time: it is an optional dependency (``pip install ".[dask]"``).
"""
