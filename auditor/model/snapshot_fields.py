"""The shapes a snapshot's fields may take, checked when a snapshot is read (a file) or
built (collection): nothing downstream meets a shape it cannot handle.

Lengths are bounded a little above AWS's own limits (a megabyte of name is refused at once);
ids and ARNs have their shapes, kept as loose as the fixtures and AWS need (an ARN is
printable text without spaces); routes and stages follow route_grammar.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

from pydantic import AfterValidator, Field, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from auditor.model.inputs import validation_problem
from auditor.model.route_grammar import (
    MAX_PATH_LENGTH,
    ROUTE_METHODS,
    route_path_problem,
    stage_name_problem,
)

P = ParamSpec("P")
T = TypeVar("T")


def _grammar(check: Callable[[str], str | None]) -> AfterValidator:
    """A check of route_grammar as a pydantic validator: its message, without a prefix."""

    def validate(value: str) -> str:
        problem = check(value)
        if problem is not None:
            raise PydanticCustomError("grammar", "{problem}", {"problem": problem})
        return value

    return AfterValidator(validate)


def _method_problem(method: str) -> str | None:
    return None if method in ROUTE_METHODS else f"expected one of {', '.join(ROUTE_METHODS)}"


def text(max_length: int, pattern: str | None = None, min_length: int = 0) -> StringConstraints:
    """Text of at most `max_length` characters (at least `min_length`), matching `pattern`."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)


Text = Annotated[str, text(2048)]  # free text: descriptions, names of things
Name = Annotated[str, text(256, min_length=1)]
Arn = Annotated[str, text(2048, r"^[!-~]+$", min_length=1)]  # printable, no space
AwsId = Annotated[str, text(128, r"^[A-Za-z0-9_.+-]+$", min_length=1)]  # deployment, client
UserPoolId = Annotated[str, text(55, r"^[A-Za-z0-9_-]+_[0-9A-Za-z]+$")]
IdentityPoolId = Annotated[str, text(55, r"^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$")]
ApiId = Annotated[str, text(64, r"^[A-Za-z0-9]+$", min_length=1)]
StageName = Annotated[str, text(128), _grammar(stage_name_problem)]
Method = Annotated[str, text(16), _grammar(_method_problem)]
RoutePath = Annotated[str, text(MAX_PATH_LENGTH), _grammar(route_path_problem)]
# NONE | AWS_IAM | CUSTOM | COGNITO_USER_POOLS | JWT; kept open because AWS adds types.
AuthorizationType = Annotated[str, text(64, r"^[A-Z_]+$", min_length=1)]
Precedence = Annotated[int, Field(ge=0, le=2**31 - 1)]  # Cognito's range


def many(limit: int) -> Any:
    """A list (or map) of at most `limit` items: AWS's own limit with room to spare."""
    return Field(max_length=limit)


def one_line_errors(build: Callable[P, T]) -> Callable[P, T]:
    """`build` (a parser of AWS answers) with a value the models refuse raised as a
    ValueError of one line, the field and what is wrong: Reads.run records it as an answer
    it could not use (pydantic's own text spans several lines)."""

    @functools.wraps(build)
    def built(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return build(*args, **kwargs)
        except ValidationError as exc:
            raise ValueError(f"{exc.title} {validation_problem(exc)}") from None

    return built
