"""Class orders and conditions: what users write, and the errors for what is wrong."""

import pytest

from clifer.conditions import CONDITIONS, parse_conditions
from clifer.orders import (
    DEFAULT_ORDER,
    REFERENCE_ORDERS,
    order_name,
    parse_orders,
    random_orders,
)
from facedata import CLASSES


def test_default_order_is_the_papers():
    assert [CLASSES[c] for c in DEFAULT_ORDER] == [
        "neutral",
        "happy",
        "surprise",
        "anger",
        "fear",
        "sad",
    ]
    assert parse_orders(None) == parse_orders("default") == (DEFAULT_ORDER,)


def test_reference_orders_translated_by_hand():
    # the published code's (0,4,3,5,1,2) over (anger, fear, happy, sad, surprise, neutral)
    assert [CLASSES[c] for c in REFERENCE_ORDERS[0]] == [
        "anger",
        "surprise",
        "sad",
        "neutral",
        "fear",
        "happy",
    ]
    assert [CLASSES[c] for c in REFERENCE_ORDERS[5]] == [
        "neutral",
        "fear",
        "surprise",
        "anger",
        "happy",
        "sad",
    ]
    assert sorted(o[0] for o in REFERENCE_ORDERS) == list(range(6))  # each starts elsewhere
    assert parse_orders("six") == REFERENCE_ORDERS


def test_explicit_and_random_orders():
    assert parse_orders("happy,sad,neutral,anger,fear,surprise") == ((1, 5, 0, 3, 4, 2),)
    assert parse_orders([5, 4, 3, 2, 1, 0]) == ((5, 4, 3, 2, 1, 0),)
    assert parse_orders(["default", "default", "sad,fear,anger,surprise,happy,neutral"]) == (
        DEFAULT_ORDER,
        (5, 4, 3, 2, 1, 0),
    )
    orders = parse_orders("random:5:3")
    assert len(set(orders)) == 5 and orders == random_orders(5, 3)
    assert all(sorted(o) == list(range(6)) for o in orders)
    assert order_name(DEFAULT_ORDER) == "neu-hap-sur-ang-fea-sad"


@pytest.mark.parametrize(
    "bad, message",
    [
        ("happy,sad", "permutation"),
        ("happy,happy,sad,neutral,anger,fear", "permutation"),
        ("happy,sad,neutral,anger,fear,joy", "unknown class 'joy'"),
        ([0, 1, 2, 3, 4, 6], "permutation"),
        ("random:x", "random:N"),
        ("random:0", "between 1 and 720"),
    ],
)
def test_orders_that_are_not_permutations_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_orders(bad)


def test_conditions():
    assert list(CONDITIONS) == ["mlp", "gdm", "gdm+replay", "clifer", "clifer+replay"]
    clifer = CONDITIONS["clifer"]
    assert clifer.imagination and not clifer.replay and clifer.memories == ("episodic", "semantic")
    assert CONDITIONS["mlp"].memories == ("mlp",)
    assert [c.name for c in parse_conditions("gdm, clifer")] == ["gdm", "clifer"]
    with pytest.raises(ValueError, match="unknown condition"):
        parse_conditions("gdm,clifer+imagination")
    with pytest.raises(ValueError, match="twice"):
        parse_conditions(["gdm", "gdm"])
    with pytest.raises(ValueError, match="no condition"):
        parse_conditions("")
