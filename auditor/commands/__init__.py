"""What the command line runs: an audit end to end, baseline drafting, explain, the demo."""
