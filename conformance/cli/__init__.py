"""The ``kyso`` command line, one module per command group.

``root`` builds the parser from every group's argument table and dispatches (after choosing the
language, ``--lang``); ``parsing`` holds the parser class and the enum-choices helper;
``exit_codes`` is the one error → exit code map; ``display`` writes times for a person
(Vietnam time, +07:00).
Each ``*_commands`` module is a group's argument table (light: it imports no implementation),
whose handlers import the implementation when the command runs; ``testbed_actions`` is the
testbed group's implementation, ``testbed_process`` the ``kyso up`` process (its pid file,
``--background``, ``kyso down``). Nothing here is imported by the other packages.
"""

from conformance.cli.root import build_parser, main

__all__ = ["build_parser", "main"]
