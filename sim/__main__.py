"""``python -m sim`` is the ``partysim`` command."""

from sim.cli import main

raise SystemExit(main())
