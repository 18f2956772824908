"""Reads of this app: scoped querysets and access checks."""
