"""A worker sums the derivative cache again only after adding 1/64 of a budget."""

from __future__ import annotations

from imageapi.services.eviction_checks import EVICTION_CHECK_FRACTION
from imageapi.services.eviction_checks import EvictionChecks

BUDGET = 64_000  # a check is due once 1,000 bytes were added
STEP = BUDGET // EVICTION_CHECK_FRACTION


def test_a_check_is_due_once_a_fraction_of_the_budget_was_added():
    checks = EvictionChecks()
    dues = [checks.due("ann", 400, BUDGET) for _ in range(6)]
    # Due at 1,200 bytes, then counted again from nothing.
    assert dues == [False, False, True, False, False, True]


def test_users_and_the_whole_cache_count_apart():
    checks = EvictionChecks()
    assert not checks.due("ann", STEP - 1, BUDGET)
    assert not checks.due(None, STEP - 1, BUDGET)
    assert not checks.due("bob", STEP - 1, BUDGET)
    assert checks.due("ann", 1, BUDGET)
    assert checks.due(None, 1, BUDGET)
    assert not checks.due("ann", 1, BUDGET)


def test_a_tiny_budget_is_checked_on_every_insert():
    checks = EvictionChecks()
    assert all(checks.due("ann", 1, EVICTION_CHECK_FRACTION - 1) for _ in range(3))


def test_past_the_remembered_users_their_counts_start_again():
    checks = EvictionChecks(remembered_users=3)
    assert not checks.due(None, STEP - 1, BUDGET)
    for number in range(100):
        assert not checks.due(f"user-{number}", STEP - 1, BUDGET)
    # user-0's bytes were forgotten; the last user's and the whole cache's
    # were not.
    assert not checks.due("user-0", 1, BUDGET)
    assert checks.due("user-99", 1, BUDGET)
    assert checks.due(None, 1, BUDGET)
