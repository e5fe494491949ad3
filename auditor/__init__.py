"""cognito-route-auditor: who can call which API Gateway route, and has it drifted."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cognito-route-auditor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
