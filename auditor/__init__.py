"""cognito-route-auditor: who can call which API Gateway route, and has it drifted."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`__version__`, looked up when first asked for: importlib.metadata costs a start-up
    that `--help` and `validate` do not need."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("cognito-route-auditor")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+source"
    globals()["__version__"] = found
    return found
