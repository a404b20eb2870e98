import random

import pytest
from hypothesis import given, strategies as st

from worklog.rules.sampling import draw

# Twelve contacts; phones "p1" to "p8", "p1" and "p2" each with several contacts.
CONTACTS = [(1, "p1"), (2, "p2"), (3, "p3"), (4, "p1"), (5, "p4"), (6, "p5"), (7, "p2"), (8, "p6"),
            (9, "p7"), (10, "p1"), (11, "p8"), (12, "p2")]
PHONE = dict(CONTACTS)


def test_same_seed_same_draw_whatever_the_input_order():
    first = draw(CONTACTS, 5, seed=20260301, recent_hashes=set())
    assert len(first) == 5
    assert draw(CONTACTS[::-1], 5, seed=20260301, recent_hashes=set()) == first
    shuffled = CONTACTS[:]
    random.Random(1).shuffle(shuffled)
    assert draw(shuffled, 5, seed=20260301, recent_hashes=set()) == first


def test_the_draw_is_fixed_for_a_seed():
    # Pinned, so that a change to the procedure (which would make old draws unreproducible) is noticed.
    assert draw(CONTACTS, 4, seed=42, recent_hashes=set()) == [8, 6, 3, 9]
    # Contact 10 is the first of phone p1's contacts in the shuffle; 1 and 4 are skipped.
    assert draw(CONTACTS, 8, seed=42, recent_hashes=set()) == [8, 6, 3, 9, 10, 7, 5, 11]
    assert draw([(i, f"p{i}") for i in range(10)], 10, seed=7, recent_hashes=set()) == \
        _reference([(i, f"p{i}") for i in range(10)], 7)


def _reference(candidates, seed):
    """With distinct phones and no recent ones, the draw is the sorted candidates shuffled by the seed."""
    ordered = sorted(candidates)
    random.Random(seed).shuffle(ordered)
    return [cid for cid, _ in ordered]


def test_recent_phones_are_never_drawn():
    drawn = draw(CONTACTS, 20, seed=3, recent_hashes={"p1", "p2"})
    assert not {PHONE[cid] for cid in drawn} & {"p1", "p2"}
    assert sorted(PHONE[cid] for cid in drawn) == ["p3", "p4", "p5", "p6", "p7", "p8"]


def test_one_contact_per_phone_and_the_size_is_capped():
    drawn = draw(CONTACTS, 100, seed=5, recent_hashes=set())
    assert len(drawn) == 8  # eight distinct phones
    assert len({PHONE[cid] for cid in drawn}) == 8


def test_edges():
    assert draw(CONTACTS, 0, seed=1, recent_hashes=set()) == []
    assert draw([], 5, seed=1, recent_hashes=set()) == []
    assert draw(CONTACTS, 5, seed=1, recent_hashes={h for _, h in CONTACTS}) == []
    for bad in ({"size": -1}, {"size": 1.5}, {"seed": "x"}):
        with pytest.raises(ValueError):
            draw(CONTACTS, **({"size": 3, "seed": 1, "recent_hashes": set()} | bad))
    with pytest.raises(ValueError):
        draw([(1, "p1"), (1, "p2")], 1, seed=1, recent_hashes=set())


candidates = st.lists(st.tuples(st.integers(0, 200), st.sampled_from([f"h{i}" for i in range(25)])),
                      max_size=60, unique_by=lambda c: c[0])


@given(candidates, st.integers(0, 40), st.integers(-2**63, 2**63), st.sets(st.sampled_from(
    [f"h{i}" for i in range(30)]), max_size=10), st.randoms(use_true_random=False))
def test_draw_properties(cands, size, seed, recent, rnd):
    drawn = draw(cands, size, seed, recent)
    phone = dict(cands)
    eligible_phones = {h for _, h in cands if h not in recent}
    assert len(drawn) == min(size, len(eligible_phones))
    assert all(cid in phone for cid in drawn)
    assert not {phone[cid] for cid in drawn} & recent
    assert len({phone[cid] for cid in drawn}) == len(drawn)
    shuffled = cands[:]
    rnd.shuffle(shuffled)
    assert draw(shuffled, size, seed, set(recent)) == drawn
    # A larger sample from the same seed starts with the smaller one.
    assert draw(cands, size + 3, seed, recent)[:len(drawn)] == drawn
