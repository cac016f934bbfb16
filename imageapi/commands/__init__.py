"""Command groups of the ``imageapi`` command, one module each.

Each module has ``add_parser(commands)``, which declares its sub-commands,
and ``run(config, args) -> int`` (the exit code). They call services, never
the database directly, and print one line per result.
"""
