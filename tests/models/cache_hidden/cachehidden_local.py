"""A helper module that local_import.py only imports inside functions."""

errors = [0]
