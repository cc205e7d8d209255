"""The soundness bar: random models that use the whole API, checked against an oracle.

`generate(seed)` writes a model as Python source (so a disagreement is a file anyone
can re-run with `rasmodel check --cross-check`); `oracle.enumerate_all` explores it
with the simplest possible explorer; `compare.check_program` holds every strategy,
reduction and bound of rasmodel to what the oracle found. `python -m tests.soundness`
runs N programs and prints the feature mix and the disagreements.
"""
