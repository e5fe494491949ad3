"""Credentials never reach a report, a snapshot, a log or stderr, whatever an error quotes."""

from __future__ import annotations

import re

# What AWS echoes of a request in some errors (IncompleteSignature quotes the Authorization
# header, SignatureDoesNotMatch the canonical request with its token header): the access key
# id and the session token must not reach a report, a snapshot or stderr.
_CREDENTIALS = (
    re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    re.compile(r"(?i)(x-amz-security-token[:=]\s*)[^\s&'\",;]+"),
    re.compile(r"(?i)(credential=)[^\s,&'\";]+"),
    re.compile(r"(?i)(signature=)[0-9a-f]+"),
)


def scrub(message: str) -> str:
    """`message` with any AWS credential it quotes replaced by ***."""
    for pattern in _CREDENTIALS:
        message = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "***", message)
    return message
