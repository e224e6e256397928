"""The estimator on Dask: the same objective with its n-sized work on a cluster.

``objective`` holds the client side (the small solver-facing state),
``block_terms`` what one task computes on one row block, and ``dispatch`` the
estimator's entry points for dask collections. Nothing here imports dask at
import time: it is an optional dependency (``pip install logitron[dask]``).
"""
