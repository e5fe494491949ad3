"""Run one AWS read: a failure after retries becomes a CollectionError, never an empty result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from auditor.collect.session import AssumeRoleFailed
from auditor.model.errors import InputError, TargetNotFoundError
from auditor.model.inputs import validation_problem
from auditor.model.redact import scrub
from auditor.model.snapshot import CollectionError

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

T = TypeVar("T")

NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "NotFoundException", "NoSuchEntity"})


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def one_named(matches: dict[str, T], kind: str, name: str, region: str) -> T:
    """The one match (by id) of a name: none is not found, several is an input error."""
    if not matches:
        raise TargetNotFoundError(f"{kind} named {name!r} not found in {region}")
    if len(matches) > 1:
        ids = ", ".join(sorted(matches))
        raise InputError(
            f"{kind} name={name}",
            None,
            f"{len(matches)} {kind}s have this name ({ids}): name it by id",
        )
    return next(iter(matches.values()))


class Reads:
    """Holds the failed reads of one collection run."""

    def __init__(self) -> None:
        self.errors: list[CollectionError] = []
        # The target's role could not be assumed: no read can succeed, none is tried again.
        self.halted = False

    def record(self, service: str, operation: str, message: str, resource: str | None) -> None:
        self.errors.append(
            CollectionError(
                service=service, operation=operation, message=scrub(message), resource=resource
            )
        )

    def run(
        self,
        service: str,
        operation: str,
        resource: str | None,
        call: Callable[[], T],
        *,
        not_found: str | None = None,
        not_found_codes: frozenset[str] = NOT_FOUND_CODES,
    ) -> T | None:
        """``call()``, or None with the failure recorded.

        With ``not_found``, a not-found answer raises TargetNotFoundError(not_found) instead:
        the user named something that does not exist, which is an input error, not drift.
        """
        # Imported by the first read, not with the module: see session.py.
        from botocore.exceptions import BotoCoreError, ClientError

        if self.halted:
            return None
        try:
            return call()
        except AssumeRoleFailed as exc:  # the credentials failed, not this read: say so once
            self.record("sts", "AssumeRole", exc.message, exc.role_arn)
            self.halted = True
        except ClientError as exc:
            code = error_code(exc)
            if not_found is not None and code in not_found_codes:
                raise TargetNotFoundError(not_found) from exc
            message = exc.response.get("Error", {}).get("Message") or str(exc)
            self.record(service, operation, f"{code}: {message}" if code else message, resource)
        except BotoCoreError as exc:  # endpoint unreachable, bad response, no credentials
            self.record(service, operation, str(exc), resource)
        # An answer we cannot use: a missing key, or a value of another type than the model's
        # (a null path item, a list for a map) met as a KeyError, TypeError or AttributeError.
        except (ValueError, KeyError, TypeError) as exc:
            self.record(service, operation, f"unexpected response: {_one_line(exc)}", resource)
        except AttributeError as exc:
            if not _on_answer_value(exc):
                raise  # our own object lacks it: a bug, which must surface (exit 4)
            self.record(service, operation, f"unexpected response: {_one_line(exc)}", resource)
        return None


def _one_line(exc: Exception) -> str:
    """A failed read is one line of a report: a model's refusal by its first field, anything
    else by its repr, cut short (an answer can quote a megabyte)."""
    if isinstance(exc, ValidationError):
        text = validation_problem(exc)
    else:
        text = " ".join(repr(exc).split())
    return text if len(text) <= 500 else text[:497] + "..."


# What botocore parses an answer into; an attribute looked up on one of these (`.get` on a
# list where a map was due) means the answer had another shape than the model's.
_ANSWER_VALUE_TYPES = (dict, list, str, int, float, bool, bytes, type(None))


def _on_answer_value(exc: AttributeError) -> bool:
    return isinstance(getattr(exc, "obj", None), _ANSWER_VALUE_TYPES)
