"""The data every stage shares: snapshot, baseline, findings, report types, errors."""
