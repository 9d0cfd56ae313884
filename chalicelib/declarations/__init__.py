"""Declarations: declaring for oneself or a dependant, and the reviewers' decisions."""
