"""The test suite: exact cases, invariants, experiments and browser tests."""
