"""Limits: abuse-limit counters per caller and address."""
