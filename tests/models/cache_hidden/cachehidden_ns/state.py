"""State in a namespace package (a directory without __init__.py)."""

errors = [0]


def reset():
    errors[0] = 0
