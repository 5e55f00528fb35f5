"""Canonical forms and digests of quiz answers."""

import pytest

from grader.course.digest import canonical_number, decimals_for, digest


def test_rounding_is_half_up_on_the_tolerance_grid() -> None:
    assert canonical_number(0.2689, 0.001) == "269e-3"
    assert canonical_number(0.2685, 0.001) == "269e-3"
    assert canonical_number(1.005, 0.01) == "100e-2"  # 100.49999999999999 in binary floating point
    assert canonical_number(-0.4, 0.1) == "-4e-1"
    assert canonical_number(1.5, 1) == "2e-0"


@pytest.mark.parametrize("bad", [0.0, -0.01, 0.02, 0.5, 1e-13, float("nan")])
def test_tolerance_must_be_a_power_of_ten(bad: float) -> None:
    with pytest.raises(ValueError):
        decimals_for(bad)


def test_digest_depends_on_salt_id_and_answer() -> None:
    base = digest("s", "q", "15e-1")
    assert len(base) == 64
    assert (
        len({base, digest("t", "q", "15e-1"), digest("s", "r", "15e-1"), digest("s", "q", "16e-1")})
        == 4
    )
