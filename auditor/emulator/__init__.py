"""A local AWS for the demo and the tests: moto in server mode, extended, plus a seeder.

moto is the optional extra ``demo``; it is imported lazily, only when a server starts.
"""

from auditor.emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]
