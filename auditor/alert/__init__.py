"""Alerts sent at the end of a run; only `slack` for now."""
