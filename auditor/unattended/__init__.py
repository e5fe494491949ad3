"""Runs nobody watches: state between runs, Slack alerts, the scheduler, the Lambda handler."""
