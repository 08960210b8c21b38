"""The golden master: whole runs must match their recorded digests bit for bit.

See :mod:`tests.golden` for what is digested and how to record the master again.
"""

import json

import pytest

from tests.golden import CASES, DIGESTS, digest, run_case

MASTER = json.loads(DIGESTS.read_text())


def test_every_case_is_recorded():
    assert sorted(MASTER) == sorted(case.name for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_run_matches_its_recorded_digest(case):
    assert digest(run_case(case)) == MASTER[case.name]
