"""For tests: a verify result or a run diff as one readable assertion failure.

    from ogi.testing import assert_verified
    assert_verified(ogi.verify("tests/reports"))   # fails listing each differing cell, expected vs got
"""
from __future__ import annotations

from ogi.expected import VerifyResult
from ogi.rundiff import RunDiff


def assert_verified(result: VerifyResult, limit: int = 30) -> None:
    """Raises AssertionError with the differing cells of every report that does not match its expected file."""
    __tracebackhide__ = True  # pytest: show the failure, not this frame
    if not result.ok:
        raise AssertionError("ogi verify: expected values differ\n" + result.text(limit=limit))


def assert_no_diff(diff: RunDiff) -> None:
    __tracebackhide__ = True
    if diff:
        raise AssertionError(f"ogi diff {diff.a} {diff.b}:\n" + diff.text())
