"""The eval-only sources' dev/test halves (`corpora.split_of`): whole groups, about half the messages each,
fixed by hashes, and `hotline eval-real` reading the test halves unless asked for the calibration side."""

from __future__ import annotations

from hotline.detect.scoring.corpora import DEV_SHARE, EVAL_SOURCES, Chat, split_of
from hotline.detect.scoring.examples import Example
from hotline.detect.scoring.realeval import _held, eval_half


def _chats(source: str, groups: int, per_group: int) -> list[Chat]:
    return [Chat(source, f"g{g}", f"{source}-{g}-{c}", 0, ("hi", "hello there"), (None, None))
            for g in range(groups) for c in range(per_group)]


def test_eval_only_sources_are_halved_by_whole_groups() -> None:
    for source in EVAL_SOURCES:
        chats = _chats(source, 40, 3)
        splits = split_of(chats)
        assert set(splits) == {"dev", "test"}
        by_group: dict[str, set[str]] = {}
        for c, s in zip(chats, splits, strict=True):
            by_group.setdefault(c.group, set()).add(s)
        assert all(len(s) == 1 for s in by_group.values())  # a session, profile, episode or thread stays whole
        dev = sum(s == "dev" for s in splits) / len(splits)
        assert abs(dev - DEV_SHARE) <= 3 / len(splits) + 1e-9  # within one group of half
        assert split_of(list(reversed(chats))) == list(reversed(splits))  # by hash, not by order


def test_train_sources_keep_their_three_splits() -> None:
    splits = split_of(_chats("chitchat", 200, 1))
    assert set(splits) == {"train", "calibration", "test"}
    assert "dev" not in split_of(_chats("groomer-chats", 24, 5))


def test_eval_real_reads_the_test_half_beside_the_test_split() -> None:
    def ex(source: str, split: str) -> Example:
        return Example(0, 1, 0, source, "g", split, "segment", 0)

    assert eval_half("test") == "test" and eval_half("calibration") == "dev"
    assert _held(ex("nps-chat", "test"), "test") and not _held(ex("nps-chat", "dev"), "test")
    assert _held(ex("nps-chat", "dev"), "calibration") and not _held(ex("nps-chat", "test"), "calibration")
    assert _held(ex("chitchat", "calibration"), "calibration") and not _held(ex("chitchat", "test"), "calibration")
