"""``python -m imageapi`` serves, like ``imageapi serve``."""

from imageapi.cli import main

raise SystemExit(main())
