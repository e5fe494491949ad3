"""From snapshot and baseline to what each persona can reach: resolve, route matching, the
access evaluator, the matrix, and the rule catalog."""
