"""Retry counter for bounded_retry_local_import.py, imported inside a function."""

tries = [0]
