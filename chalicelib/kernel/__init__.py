"""The kernel: what every capability uses; it imports no capability (docs/architecture.md)."""
