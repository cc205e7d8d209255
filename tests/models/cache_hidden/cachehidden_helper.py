"""A helper module next to helper_behind.py: state behind a class, a partial and a closure."""

import functools


class Stats:  # class-level state (a C `static`) in a helper module
    errors = 0


def _record(log):
    log.append("error")


record = functools.partial(_record, [])  # a partial holding its log


def _make_counter():
    count = [0]

    def bump():
        count[0] += 1

    def read():
        return count[0]

    def clear():
        count[0] = 0

    return bump, read, clear


bump, read, clear = _make_counter()  # a closure counter


def reset():
    Stats.errors = 0
    record.args[0].clear()
    clear()


def errors(where):
    return {"class": Stats.errors, "partial": len(record.args[0]), "closure": read()}[where]
