"""``python -m logitron``: the same command line as the ``logitron`` script."""

from .cli import main

raise SystemExit(main())
