"""Yima's code, one package per capability beside a shared kernel (docs/architecture.md)."""
