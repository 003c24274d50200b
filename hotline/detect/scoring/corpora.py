"""The real conversations the scorer learns from and is measured on (`../shared/data`, never copied in).

Each source becomes `Chat`s: message texts in order (no speaker names: the model never sees them), a
group that a split must keep whole (the offender for groomer chats, the conversation otherwise; for the
eval-only sources the nps-chat session, the formspring profile, the Friends episode, the MySpace thread)
and a split fixed by a hash of that group, so that nobody can move a conversation into or out of the test
split. Which sources may be fitted on is data, from the data's own README (`use` column): `TRAIN_SOURCES`.
The eval-only sources are never fitted on, but thresholds may be chosen with them: half of each (`dev`)
is for that, the other half (`test`) is only measured.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hotline.detect.errors import DataError

__all__ = ["EVAL_SOURCES", "LICENCES", "TRAIN_SOURCES", "Chat", "read_chats", "split_of"]

#: Sources a shipped model may learn from (`train` in the data README) and those only measured on.
TRAIN_SOURCES: tuple[str, ...] = ("groomer-chats", "chitchat", "ubuntu-irc", "sms")
EVAL_SOURCES: tuple[str, ...] = ("nps-chat", "friends-dialogue", "formspring", "myspace")
LICENCES: dict[str, str] = {
    "groomer-chats": "Perverted-Justice logs as released with Milon-Flores & Cordeiro (KBS 2022), "
                     "'freely available', no licence file",
    "chitchat": "BYU PCC Chit-Chat dataset, MIT",
    "ubuntu-irc": "IRC Disentanglement corpus (Kummerfeld et al. 2019), CC BY 4.0",
    "sms": "SMS Spam Collection v.1 (Almeida et al. 2011), ham messages, CC BY 4.0",
}
#: Shares of groups per split, by hash: test first, then calibration, the rest training.
TEST_SHARE, CALIBRATION_SHARE = 0.25, 0.2
#: Share of each eval-only source's messages in its `dev` half (groups in hash order); the rest is `test`.
DEV_SHARE = 0.5
#: Single SMS messages are read as pseudo-conversations of this many consecutive messages.
SMS_BLOCK = 12
#: Formspring question/answer pairs per pseudo-conversation (one profile's page).
FORMSPRING_BLOCK = 8


@dataclass(frozen=True)
class Chat:
    """One conversation. `times` are seconds (None where the source has no time)."""

    source: str
    group: str
    id: str
    label: int
    texts: tuple[str, ...]
    times: tuple[float | None, ...]
    room: str = ""


def _hash(source: str, group: str) -> float:
    return int.from_bytes(hashlib.sha256(f"hotline-split/{source}/{group}".encode()).digest()[:8], "big") / 2**64


def _by_share(h: float) -> str:
    if h < TEST_SHARE:
        return "test"
    return "calibration" if h < TEST_SHARE + CALIBRATION_SHARE else "train"


def _in_hash_order(chats: list[Chat], source: str, size: Callable[[Chat], int],
                   share: Callable[[float], str]) -> dict[str, str]:
    """Each group of `source` to `share(part of the source's size before it)`, groups taken in hash order."""
    sizes: dict[str, int] = defaultdict(int)
    for c in chats:
        if c.source == source:
            sizes[c.group] += size(c)
    total, seen, out = sum(sizes.values()), 0, {}
    for group in sorted(sizes, key=lambda g: _hash(source, g)):
        out[group] = share(seen / total)
        seen += sizes[group]
    return out


def split_of(chats: list[Chat]) -> list[str]:
    """'train', 'calibration' or 'test' for each chat, fixed by a hash of its group; eval-only sources are
    'dev' or 'test'. Groomer chats come from 24 offenders of very unequal size, so offenders are taken in hash
    order and the shares are of conversations, not of offenders (each offender stays in one split). The
    eval-only sources are halved the same way by messages (nps-chat has only 15 sessions): groups in hash
    order, `dev` until `DEV_SHARE` of the source's messages, then `test`."""
    fixed = {("groomer-chats", group): split
             for group, split in _in_hash_order(chats, "groomer-chats", lambda c: 1, _by_share).items()}
    for source in EVAL_SOURCES:
        for group, split in _in_hash_order(chats, source, lambda c: len(c.texts), _dev_or_test).items():
            fixed[source, group] = split
    return [fixed.get((c.source, c.group)) or _by_share(_hash(c.source, c.group)) for c in chats]


def _dev_or_test(share: float) -> str:
    return "dev" if share < DEV_SHARE else "test"


def _hhmm(value: str | None) -> float | None:
    if not value or ":" not in value:
        return None
    try:
        h, m = value.split(":")[:2]
        return int(h) * 3600.0 + int(m[:2]) * 60.0
    except ValueError:
        return None


def _iso(value: str | None) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None
    except ValueError:
        return None


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _groomers(root: Path) -> Iterator[Chat]:
    data = json.loads((root / "groomer-chats" / "PJ_positive_conversations.json").read_text("utf-8"))
    for c in sorted(data["conversation"], key=lambda c: (c["predator_idx"], c["chunk_idx"])):
        msgs = [m for m in c["messages"] if (m.get("text") or "").strip()]
        yield Chat("groomer-chats", f"offender-{c['predator_idx']}", f"pj-{c['id']}", 1,
                   tuple(m["text"] for m in msgs), tuple(_hhmm(m.get("time")) for m in msgs))


def _chitchat(root: Path) -> Iterator[Chat]:
    for c in _jsonl(root / "chats-benign" / "chitchat" / "chitchat_conversations.jsonl"):
        msgs = [m for m in c["messages"] if str(m[1]).strip()]  # type: ignore[attr-defined]
        yield Chat("chitchat", str(c["id"]), f"chitchat-{c['id']}", 0,
                   tuple(str(m[1]) for m in msgs), tuple(_iso(m[2]) for m in msgs))


def _ubuntu(root: Path) -> Iterator[Chat]:
    for i, c in enumerate(_jsonl(root / "chats-benign" / "ubuntu-irc" / "ubuntu_irc_train_conversations.jsonl")):
        cid = f"{c['file']}-{c['conv_root']}-{i}"
        msgs = [m for m in c["messages"] if str(m[2]).strip()]  # type: ignore[attr-defined]
        yield Chat("ubuntu-irc", cid, f"irc-{cid}", 0, tuple(str(m[2]) for m in msgs),
                   tuple(_hhmm(m[0]) for m in msgs))


def _sms(root: Path) -> Iterator[Chat]:
    lines = (root / "chats-benign" / "sms" / "SMSSpamCollection").read_text("utf-8", "replace").splitlines()
    ham = [t for label, _, t in (ln.partition("\t") for ln in lines[1:]) if label == "ham" and t.strip()]
    for b in range(0, len(ham), SMS_BLOCK):
        block = tuple(ham[b:b + SMS_BLOCK])
        yield Chat("sms", f"block-{b // SMS_BLOCK}", f"sms-{b // SMS_BLOCK}", 0, block, (None,) * len(block))


def _nps(root: Path) -> Iterator[Chat]:
    for s in _jsonl(root / "chats-benign" / "nps-chat" / "nps_chat_sessions.jsonl"):
        posts = [p for p in s["posts"] if p["dialog_act"] != "System" and str(p["text"]).strip()]  # type: ignore[attr-defined]
        yield Chat("nps-chat", str(s["file"]), f"nps-{s['file']}", 0, tuple(str(p["text"]) for p in posts),
                   (None,) * len(posts), room=str(s["room"]))


def _friends(root: Path) -> Iterator[Chat]:
    for part in ("train", "dev", "test"):
        dialogues: dict[str, list[dict[str, str]]] = defaultdict(list)
        with (root / "chats-benign" / "friends-dialogue" / f"{part}_sent_emo.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                dialogues[row["Dialogue_ID"]].append(row)
        for did, rows in dialogues.items():
            rows.sort(key=lambda r: int(r["Utterance_ID"]))
            texts = tuple(r["Utterance"] for r in rows if r["Utterance"].strip())
            episode = f"s{rows[0]['Season']}e{rows[0]['Episode']}"  # an episode's scenes are spread over the parts
            yield Chat("friends-dialogue", episode, f"friends-{part}-{did}", 0, texts, (None,) * len(texts))


def _formspring(root: Path) -> Iterator[Chat]:
    pages: dict[str, list[str]] = defaultdict(list)
    for q in _jsonl(root / "chats-benign" / "formspring" / "formspring_qa.jsonl"):
        pages[str(q["user"])].extend(t for t in (str(q["question"] or ""), str(q["answer"] or "")) if t.strip())
    for user, texts in sorted(pages.items()):
        step = 2 * FORMSPRING_BLOCK
        for b in range(0, len(texts), step):
            block = tuple(texts[b:b + step])
            yield Chat("formspring", user, f"formspring-{user}-{b}", 0, block, (None,) * len(block))


def _myspace(root: Path) -> Iterator[Chat]:
    for t in _jsonl(root / "chats-benign" / "myspace" / "myspace_threads.jsonl"):
        msgs = [m for m in t["messages"] if str(m["text"]).strip()]  # type: ignore[attr-defined]
        yield Chat("myspace", str(t["thread_id"]), f"myspace-{t['thread_id']}", 0,
                   tuple(str(m["text"]) for m in msgs), tuple(float(m["date"]) if m.get("date") else None for m in msgs))


READERS = {
    "groomer-chats": _groomers, "chitchat": _chitchat, "ubuntu-irc": _ubuntu, "sms": _sms,
    "nps-chat": _nps, "friends-dialogue": _friends, "formspring": _formspring, "myspace": _myspace,
}


def read_chats(root: Path, sources: tuple[str, ...] = TRAIN_SOURCES) -> list[Chat]:
    """Every conversation of these sources under `root` (the shared data folder)."""
    chats: list[Chat] = []
    for source in sources:
        try:
            chats.extend(READERS[source](root))
        except FileNotFoundError as exc:
            raise DataError(f"{source}: not found under {root} ({exc.filename})") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{source}: unreadable under {root}: {exc}") from exc
    return chats
