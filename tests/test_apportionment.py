"""Apportionment methods checked against their textbook definitions (pure functions, no run).

Source: the pre-Congress text ("units that scored well reportedly received
more slots"); the methods themselves are the standard largest remainder
(Hare) and Sainte-Laguë (Webster) rules, so each is compared with a plain
reference written from its definition: Sainte-Laguë is the highest-averages
method with divisors 1, 3, 5, ...; largest remainder gives the integer part of
each quota and the leftover seats to the largest fractions.
"""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from sim.model.apportionment import METHODS, apportion, largest_remainder, sainte_lague


def highest_averages(votes: list[float], seats: int) -> list[int]:
    """Sainte-Laguë by its definition: each seat to the largest votes / (2 s + 1); ties to the lower index."""
    won = [0] * len(votes)
    queue = [(-v, i) for i, v in enumerate(votes)]
    heapq.heapify(queue)
    for _ in range(seats):
        _, i = heapq.heappop(queue)
        won[i] += 1
        heapq.heappush(queue, (-votes[i] / (2 * won[i] + 1), i))
    return won


def hare(votes: list[float], seats: int) -> list[int]:
    """Largest remainder by its definition (no exact ties among the fractions in the cases used)."""
    total = sum(votes)
    quotas = [v * seats / total for v in votes]
    won = [int(q) for q in quotas]
    by_fraction = sorted(range(len(votes)), key=lambda i: -(quotas[i] - won[i]))
    for i in by_fraction[: seats - sum(won)]:
        won[i] += 1
    return won


def test_sainte_lague_rounds_quotients_to_the_nearest_integer_not_down():
    # The textbook case where Sainte-Laguë and D'Hondt (flooring) differ: 53/24/23 for 7 seats.
    assert sainte_lague(np.array([53_000, 24_000, 23_000]), 7).tolist() == [3, 2, 2]
    # Flooring the quotients would be D'Hondt, which gives the large party 4.
    assert sainte_lague(np.array([53_000, 24_000, 23_000]), 7)[0] != 4


def test_sainte_lague_gives_a_small_unit_its_seat_once_its_quotient_passes_one_half():
    # 0.6 of a quota rounds up to one seat; flooring would leave it without any.
    seats = sainte_lague(np.array([1000.0, 60.0]), 10)
    assert seats.tolist() == [9, 1]


@pytest.mark.parametrize("seed", range(40))
def test_sainte_lague_equals_the_highest_averages_definition(seed):
    rng = np.random.default_rng(seed)
    votes = rng.uniform(1, 1000, rng.integers(2, 12))
    seats = int(rng.integers(1, 80))
    assert sainte_lague(votes, seats).tolist() == highest_averages(votes.tolist(), seats)


@pytest.mark.parametrize("seed", range(40))
def test_sainte_lague_equals_the_definition_for_few_seats_and_whole_votes(seed):
    # Few seats among few units and whole-number votes: exact ties and divisors far from the mean.
    rng = np.random.default_rng(500 + seed)
    votes = rng.integers(1, 20, rng.integers(1, 6)) * 10.0 ** rng.integers(-2, 3)
    seats = int(rng.integers(1, 8))
    assert sainte_lague(votes, seats).tolist() == highest_averages(votes.tolist(), seats)


def test_sainte_lague_finds_the_divisor_when_one_seat_goes_to_few_units():
    assert sainte_lague(np.array([1700.0, 1900.0, 200.0]), 1).tolist() == [0, 1, 0]


def test_sainte_lague_gives_tied_seats_by_position_not_to_the_unit_already_ahead():
    # After the largest unit's first seat, three averages tie at 10: the two seats left go by position.
    assert sainte_lague(np.array([10.0, 10.0, 30.0, 7.0]), 3).tolist() == [1, 1, 1, 0]
    assert highest_averages([10.0, 10.0, 30.0, 7.0], 3) == [1, 1, 1, 0]


@pytest.mark.parametrize("seed", range(40))
def test_largest_remainder_equals_the_hare_quota_definition(seed):
    rng = np.random.default_rng(1000 + seed)
    votes = rng.uniform(1, 1000, rng.integers(2, 12))
    seats = int(rng.integers(1, 80))
    assert largest_remainder(votes, seats).tolist() == hare(votes.tolist(), seats)


def test_largest_remainder_gives_leftover_seats_to_the_largest_fractions():
    # Quotas 4.6, 3.3, 2.1 for 10 seats: integer parts 4, 3, 2, the one leftover seat to 4.6.
    assert largest_remainder(np.array([46.0, 33.0, 21.0]), 10).tolist() == [5, 3, 2]


def test_largest_remainder_breaks_equal_fractions_by_votes_then_position():
    # Quotas 1.5 and 1.5, one seat left over, equal votes: the first unit.
    assert largest_remainder(np.array([1.0, 1.0]), 3).tolist() == [2, 1]
    # Equal fractions (0.5 each), larger votes first: 2.5 and 0.5 of 3 seats -> the 2.5 unit.
    assert largest_remainder(np.array([5.0, 1.0]), 3).tolist() == [3, 0]
    assert largest_remainder(np.array([1.0, 5.0]), 3).tolist() == [0, 3]


def test_sainte_lague_settles_exact_ties_by_the_highest_average_and_position():
    # Two equal units and an odd number of seats: the tie cannot be split by any divisor.
    assert sainte_lague(np.array([10.0, 10.0]), 3).tolist() == [2, 1]
    assert sainte_lague(np.array([10.0, 10.0, 10.0]), 4).tolist() == [2, 1, 1]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_no_seats_or_no_votes_apportion_nothing(method):
    assert apportion(np.array([3.0, 4.0]), 0, method).tolist() == [0, 0]
    assert apportion(np.array([0.0, 0.0]), 5, method).tolist() == [0, 0]
    assert apportion(np.array([3.0, 4.0]), 0, method).dtype == np.int64


@pytest.mark.parametrize("method", sorted(METHODS))
def test_seats_are_whole_numbers_even_for_whole_votes_and_small_totals(method):
    for votes in (np.array([3, 4, 5]), np.array([0.2, 0.3]), np.array([1.0, 2.0, 3.5])):
        seats = apportion(votes, 5, method)
        assert seats.dtype == np.int64 and seats.sum() == 5


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_unit_without_votes_gets_no_seat(method):
    assert apportion(np.array([0.0, 7.0, 3.0]), 10, method)[0] == 0


@pytest.mark.parametrize("method", sorted(METHODS))
def test_one_unit_takes_every_seat(method):
    assert apportion(np.array([42.0]), 9, method).tolist() == [9]


def test_apportion_dispatches_to_the_named_method():
    votes = np.array([53_000, 24_000, 23_000])
    assert apportion(votes, 7, "sainte_lague").tolist() == [3, 2, 2]
    assert apportion(votes, 7, "largest_remainder").tolist() == hare(votes.tolist(), 7)


@pytest.mark.parametrize("seed", range(20))
def test_units_without_votes_among_many_change_no_other_units_seats(seed):
    # Votes indexed by organization id: a few units with votes among many without (the provinces among
    # every organization of a party); the methods run over the units with votes only.
    rng = np.random.default_rng(2000 + seed)
    votes = np.zeros(int(rng.integers(20, 400)))
    units = rng.choice(len(votes), int(rng.integers(1, 12)), replace=False)
    votes[units] = rng.integers(1, 20, len(units)) * 10.0 ** rng.integers(-2, 3)
    seats = int(rng.integers(1, 60))
    assert sainte_lague(votes, seats).tolist() == highest_averages(votes.tolist(), seats)
    assert largest_remainder(votes, seats).tolist() == hare(votes.tolist(), seats)
