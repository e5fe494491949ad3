"""The pure IAM policy engine: concrete decisions, exact route verdicts, pattern risks,
public resource-policy statements and Cognito trust policies.

No I/O and no AWS SDK here: everything is computed from policy documents and request facts.
What it memoises lives in a PolicyCache that the caller owns (see cache.py).
"""

from .cache import PolicyCache
from .evaluate import decide, explain
from .model import (
    INVOKE,
    Decision,
    NamedPolicy,
    PatternRisk,
    PolicyError,
    RouteVerdict,
    StatementRef,
)
from .risks import execute_api_allows, pattern_risks, public_statements
from .routes import PreparedRole, prepare_role, route_verdict

__all__ = [
    "INVOKE",
    "Decision",
    "NamedPolicy",
    "PatternRisk",
    "PolicyCache",
    "PolicyError",
    "PreparedRole",
    "RouteVerdict",
    "StatementRef",
    "decide",
    "execute_api_allows",
    "explain",
    "pattern_risks",
    "prepare_role",
    "public_statements",
    "route_verdict",
]
