"""Exit codes (CONTRACT §1 and §6.3), for every command and the scheduler's heartbeat.

Apart from commands/options.py so that the guard (and so `auditor --help`) can name them
without importing what a run needs."""

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INCOMPLETE = 3
EXIT_INTERNAL = 4  # a bug: one line on stderr, the traceback with --debug
