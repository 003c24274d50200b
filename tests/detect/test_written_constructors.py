"""The scorer's and the risk's records, with their `__init__` written out (`init=False`: compiled, and not
generated at every start), build what the dataclass's generated constructor builds: the same fields in
order, by position and by name, defaults (a new dict or set per record where a factory made one), equality
and repr."""

from __future__ import annotations

import dataclasses
from array import array
from typing import Any

import pytest

from hotline.detect.model import Finding, Participant, StageReached
from hotline.detect.risk import RiskResult, SenderEvidence
from hotline.detect.scoring.conversation import ConversationScores, WindowScore


def _twin_class(cls: type) -> Any:
    """`cls` as a dataclass with the constructor the dataclass generates."""
    specs = [(f.name, f.type, dataclasses.field(default=f.default, repr=f.repr, compare=f.compare)
              if f.default is not dataclasses.MISSING
              else dataclasses.field(default_factory=f.default_factory, repr=f.repr, compare=f.compare)
              if f.default_factory is not dataclasses.MISSING else dataclasses.field())
             for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, specs, frozen=cls.__dataclass_params__.frozen)  # type: ignore[attr-defined]


def _fields(record: Any) -> tuple[Any, ...]:
    return tuple(getattr(record, f.name) for f in dataclasses.fields(record))


WINDOW = WindowScore(2, 9, 0.75, (3, 4), ("meet", "alone"), ("A", None), ((0, 4), None))
CASES: list[tuple[type, tuple[Any, ...]]] = [
    (WindowScore, (2, 9, 0.75)),
    (WindowScore, _fields(WINDOW)),
    (ConversationScores, ("grooming", 0.5, array("q", [0]), array("q", [9]), array("d", [0.5]), (WINDOW,))),
    (ConversationScores, ("grooming", 0.5, array("q", [0]), array("q", [9]), array("d", [0.5]), (WINDOW,),
                          {"A": 0.25}, 120)),
    (RiskResult, ("high", 1.5, 3, {"grooming": True}, [Participant("A", "participant", 4)],
                  [StageReached("trust", 1)], "A", None, ["Risk: high."])),
    (SenderEvidence, ("A",)),
    (SenderEvidence, ("messages 0-39", 5, 2, False, {"trust": 1}, {"trust": 0.6}, {"grooming": 1}, {"claim": 2},
                      {"r": 0.6}, {"isolating": 0.7}, 4, 2, 4, True, {3}, {3, 5}, True, 1, 7, (7, True, "high"),
                      {("r", "grooming", 0.6, "trust", None, ())},
                      {"r": Finding(1, "A", "grooming", "r", "x", 0.6)})),
    (Participant, ("A", "participant", 3)),
    (StageReached, ("trust", 4)),
]


@pytest.mark.parametrize(("cls", "values"), CASES, ids=lambda v: v.__name__ if isinstance(v, type) else str(len(v)))
def test_written_constructor_builds_what_the_generated_one_builds(cls: type, values: tuple[Any, ...]) -> None:
    twin = _twin_class(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    made, expected = cls(*values), twin(*values)
    assert _fields(made) == _fields(expected)
    assert repr(made).removeprefix(f"{cls.__qualname__}(") == repr(expected).split("(", 1)[1]
    assert _fields(cls(**dict(zip(names, values, strict=False)))) == _fields(expected)
    assert made == cls(*values)
    with pytest.raises(TypeError):
        cls(*_fields(expected), None)  # no more arguments than fields
    for f in dataclasses.fields(cls):  # a factory's value is new for each record
        if f.default_factory is not dataclasses.MISSING and f.name not in names[:len(values)]:
            assert getattr(made, f.name) == f.default_factory() and getattr(made, f.name) is not getattr(
                cls(*values), f.name)
