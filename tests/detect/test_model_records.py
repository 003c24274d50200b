"""The engine's records stay frozen dataclasses with their written constructors: same fields, defaults,
equality, hashing, repr, `replace()`, copying and pickling (`--jobs` workers pickle results) as the
constructor the dataclass would have made, compiled or not."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import UTC, datetime
from typing import Any

import pytest

from hotline.detect.model import (
    Analysis,
    Conversation,
    Event,
    Finding,
    Message,
    Participant,
    PersonalDetail,
    StageReached,
)

WHEN = datetime(2024, 5, 1, 20, 15, tzinfo=UTC)

#: Records with every field set away from its default, and with the defaults.
SAMPLES: list[Any] = [
    Message(3, "Dara", "see you at 5", WHEN, ("photo.jpg",), "screenshot 2", 0.75),
    Message(0, None, "hi"),
    Finding(7, "Dara", "grooming", "en.trust.mature", "you are so mature", 0.6, "trust", 4, 21, "claim",
            ("age_gap",), "benign_context_nearby"),
    Finding(index=1, sender=None, signal="secrecy", rule="km.x", excerpt="កុំប្រាប់"),
    Event("system", "Dara added Sok", WHEN, 2),
    PersonalDetail("phone", "012 345 678", 3, 14, "012345678", "phone.kh", 2, "Sok"),
    Participant("Dara", "suspected_offender", 12),
    StageReached("trust", 4),
]


def _analysis() -> Analysis:
    finding = SAMPLES[2]
    return Analysis("whatsapp", 12, "high", 4, {"grooming": True}, [SAMPLES[6]], [SAMPLES[7]], [finding],
                    [SAMPLES[5]], ["en"], 0.8125, ["a reason"], {"grooming": 0.9})


def _twin(record: Any) -> Any:
    """The same record as a frozen dataclass with the constructor the dataclass generates."""
    cls = type(record)
    specs = [(f.name, f.type, dataclasses.field(default=f.default) if f.default is not dataclasses.MISSING
              else dataclasses.field(default_factory=f.default_factory)
              if f.default_factory is not dataclasses.MISSING else dataclasses.field())
             for f in dataclasses.fields(cls)]
    twin = dataclasses.make_dataclass(cls.__name__, specs, frozen=True)
    return twin(**{f.name: getattr(record, f.name) for f in dataclasses.fields(cls)})


@pytest.mark.parametrize("record", SAMPLES[:4], ids=lambda r: type(r).__name__)
def test_written_constructor_takes_the_fields_in_order_by_name(record: Any) -> None:
    # by behaviour, not `inspect.signature`: a compiled constructor shows none
    cls, values = type(record), dataclasses.astuple(record)
    names = [f.name for f in dataclasses.fields(cls)]
    assert dataclasses.astuple(cls(*values)) == values
    assert dataclasses.astuple(cls(**dict(zip(names, values, strict=True)))) == values
    with pytest.raises(TypeError):
        cls(*values, None)  # no more arguments than fields


@pytest.mark.parametrize("record", [*SAMPLES, _analysis()], ids=lambda r: type(r).__name__)
def test_records_behave_as_the_dataclass_made_them(record: Any) -> None:
    twin = _twin(record)
    assert repr(record) == repr(twin)
    assert dataclasses.astuple(record) == dataclasses.astuple(twin)
    again = type(record)(*dataclasses.astuple(record)) if not isinstance(record, Analysis) else _analysis()
    assert again == record and again is not record
    if not isinstance(record, Analysis):  # holds dicts and lists: not hashable, as the dataclass makes it
        assert hash(again) == hash(record)
    name, value = next((f.name, getattr(record, f.name)) for f in dataclasses.fields(record)
                       if type(getattr(record, f.name)) in (int, str))
    other = value + 1 if isinstance(value, int) else value + " other"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, name, other)
    changed = dataclasses.replace(record, **{name: other})
    assert getattr(changed, name) == other and changed != record
    assert dataclasses.replace(changed, **{name: value}) == record


@pytest.mark.parametrize("record", [*SAMPLES, _analysis(), Conversation("whatsapp", [SAMPLES[0]], [SAMPLES[4]], "t")],
                         ids=lambda r: type(r).__name__)
def test_records_survive_pickling_and_copying(record: Any) -> None:
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(record, protocol))
        assert back == record and type(back) is type(record)
    assert copy.deepcopy(record) == record
    assert copy.copy(record) == record


def test_defaults_are_the_fields_defaults() -> None:
    m, f = Message(0, None, "x"), Finding(0, None, "sexting", "en.s", "x")
    for record in (m, f):
        for fld in dataclasses.fields(record):
            if fld.default is not dataclasses.MISSING:
                assert getattr(record, fld.name) == fld.default, fld.name
    assert (m.time, m.attachments, m.source, m.confidence) == (None, (), None, None)
    assert (f.weight, f.stage, f.start, f.end, f.part, f.tags, f.adjusted) == (1.0, None, None, None, None, (), None)
