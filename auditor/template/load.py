"""Files -> one Application: CloudFormation decoded by cfn-lint (line numbers, short-form
intrinsics), SAM translated (sam.py), Serverless Framework converted (serverless.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from auditor.template.model import Application


def load_application(
    paths: Sequence[Path],
    *,
    parameter_values: Mapping[str, str] | None = None,
    region: str,
    account_id: str,
    partition: str = "aws",
    stage: str | None = None,
) -> Application:
    """Every resource of `paths`, which form one application. Raises InputError (exit 2,
    naming the file and field) for a file that is not a template or cannot be read."""
    raise NotImplementedError
