"""The pure IAM policy engine: concrete decisions, exact route verdicts (or `unknown` where
statements that cannot be read may change them), pattern risks, public resource-policy
statements and Cognito trust policies.

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
    Unreadable,
)
from .prefilter import Heads
from .risks import PublicStatement, execute_api_allows, pattern_risks, public_statements
from .routes import PreparedRole, prepare_role, route_head, route_verdict
from .shapes import NO_ALLOW
from .unreadable import set_aside

__all__ = [
    "INVOKE",
    "NO_ALLOW",
    "Decision",
    "Heads",
    "NamedPolicy",
    "PatternRisk",
    "PolicyCache",
    "PolicyError",
    "PreparedRole",
    "PublicStatement",
    "RouteVerdict",
    "StatementRef",
    "Unreadable",
    "decide",
    "execute_api_allows",
    "explain",
    "pattern_risks",
    "prepare_role",
    "public_statements",
    "route_head",
    "route_verdict",
    "set_aside",
]
