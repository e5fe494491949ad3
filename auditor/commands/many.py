"""`auditor run --targets FILE` (CONTRACT §6.4): many (account, region, baseline) targets in one
run, collected concurrently, each audited as `run` would, one combined report, one alert."""

from __future__ import annotations
