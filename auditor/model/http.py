"""HTTP facts about API Gateway routes, written once for every stage of the pipeline."""

from __future__ import annotations

# The verbs a route can serve; `ANY` on a route stands for every one of them.
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# The HTTP API route that answers every request no other route takes; it has no method or
# path of its own (its key is just this), and requests reach it under any path.
DEFAULT_ROUTE = "$default"

# The path template that `$default` serves, for ARNs and verdicts.
HTTP_API_CATCH_ALL = "/{proxy+}"


def served_path(path: str) -> str:
    """The path template a route serves requests under: `$default` serves the catch-all."""
    return HTTP_API_CATCH_ALL if path == DEFAULT_ROUTE else path


def route_key(method: str, path: str) -> str:
    """How findings and cells name a route: `VERB /path`, or `$default` alone."""
    return DEFAULT_ROUTE if path == DEFAULT_ROUTE else f"{method} {path}"
