"""Array-API inputs (PyTorch, CuPy, array-api-strict, ...): fitted and
predicted in their own namespace and on their own device, under
``sklearn.set_config(array_api_dispatch=True)``.

``namespace``  which inputs dispatch, moving small arrays to and from devices
``loss``       the cross-entropy written against a namespace ``xp``
``objective``  the ``Objective`` protocol over device arrays (n-sized work on
               the device, p-sized work on the host)
``line``       ``phi(t) = J(theta + t d)`` along a direction, O(n) per trial
``fit``        the fit of checked device arrays, and which solvers support it
``predict``    predictions of a device-fitted model, on its device

NumPy input never comes here: ``dispatched_namespace`` answers ``None``.
"""

from .namespace import dispatched_namespace

__all__ = ["dispatched_namespace"]
