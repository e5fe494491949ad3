"""Each finding of a template audit -> the resource to change (Finding.template)."""

from __future__ import annotations

from auditor.model.report import Report
from auditor.template.model import TemplateSnapshot


def locate_findings(report: Report, built: TemplateSnapshot) -> Report:
    """`report` with every finding's `template` set: the resource to change, else the closest
    resource that holds what is missing (the user pool for a missing group, the API for a
    missing route), else the application's first resource."""
    raise NotImplementedError
