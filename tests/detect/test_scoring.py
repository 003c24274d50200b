"""The learned grooming scorer: package data, fixed scores, windows, citations, training on a small sample.

The golden scores below were computed by the shipped weights; retraining changes them (update them in
the same commit as the weights). The held-back figures on real data are `hotline eval-real`'s business;
these tests check the machinery, and that the model says what its weights say.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hotline.detect.model import Conversation, Message
from hotline.detect.scoring.conversation import score_conversation, score_messages
from hotline.detect.scoring.linear import load_model
from hotline.detect.scoring.terms import MARK, canonical_text, char_grams, feature_term, message_words
from hotline.detect.scoring.windows import layout

REPO = Path(__file__).resolve().parents[2]

#: Words the fixed windows are drawn from: everyday chat, school, plans, and a few grooming cues.
_VOCAB = ["hey", "how", "are", "you", "doing", "today", "i", "am", "fine", "school", "was", "long", "my", "mom", "is", "at", "work", "we", "had", "a", "test", "in", "math", "what", "are", "you", "up", "to", "tonight", "do", "you", "want", "to", "play", "a", "game", "later", "my", "friend", "is", "coming", "over", "for", "dinner", "are", "you", "alone", "at", "home", "how", "old", "are", "you", "dont", "tell", "your", "parents", "about", "us", "send", "me", "a", "picture", "you", "look", "so", "cute", "i", "can", "pick", "you", "up", "after", "school", "it", "will", "be", "our", "secret", "delete", "the", "chat", "the", "bus", "was", "late", "again", "the", "weather", "is", "nice", "lets", "watch", "a", "film", "at", "the", "cinema", "on", "saturday"]


def fixed_windows() -> list[str]:
    """Eight windows of 10-40 messages, drawn with a fixed seed (the same every run, every machine)."""
    rng = random.Random(20261205)
    windows = []
    for _ in range(8):
        lines = [" ".join(rng.choice(_VOCAB) for _ in range(rng.randint(3, 12)))
                 for _ in range(rng.randint(10, 40))]
        windows.append("\n".join(lines))
    return windows


#: `load_model("grooming").score_windows(fixed_windows())`, as shipped (regenerated from the weights with
#: character grams, window sizes and group weights).
GOLDEN: list[float] = [0.9207515673, 0.1078879204, 0.3594253374, 0.3607762622, 0.1644108805, 0.0784345565,
                       0.8222925131, 0.5994577688]


def test_model_loads_from_package_data() -> None:
    scorer = load_model("grooming")
    weights = Path(__file__).resolve().parents[2] / "hotline" / "detect" / "scoring" / "weights"
    assert (weights / "grooming.npz").stat().st_size + (weights / "grooming.json").stat().st_size < 10_000_000
    assert len(scorer.weights) > 1000
    assert scorer.meta["language"] == "en"
    assert set(scorer.meta["trained_on"]) <= {"groomer-chats", "chitchat", "ubuntu-irc", "sms"}
    a, _ = scorer.calibration
    assert a > 0


def test_fixed_windows_score_as_shipped() -> None:
    scores = load_model("grooming").score_windows(fixed_windows())
    assert scores.shape == (len(GOLDEN),)
    np.testing.assert_allclose(scores, GOLDEN, rtol=0, atol=1e-6)


def test_grooming_cues_outscore_everyday_chat() -> None:
    scorer = load_model("grooming")
    everyday = "\n".join(["how was school today", "the bus was late again", "we had a math test",
                          "my mom made dinner", "lets watch a film on saturday with the others"] * 3)
    cues = "\n".join(["how old are you", "are you home alone", "dont tell your parents about us",
                      "send me a picture baby", "you look so sexy", "it will be our secret",
                      "i can pick you up after school", "delete the chat ok"] * 2)
    low, high = scorer.score_windows([everyday, cues])
    assert high > low
    assert 0.0 <= low <= 1.0 and 0.0 <= high <= 1.0


@pytest.mark.parametrize(("messages", "words"), [(10, 5), (150, 4), (12, 50), (20, 30)])
def test_windows_of_the_documented_sizes_score(messages: int, words: int) -> None:
    text = "\n".join(" ".join(["school", "film", "bus", "dinner", "weather"][(i + j) % 5] for j in range(words))
                     for i in range(messages))
    (p,) = load_model("grooming").score_windows([text])
    assert 0.0 < p < 0.5


def test_scores_do_not_depend_on_sender_names() -> None:
    texts = [line for w in fixed_windows()[:3] for line in w.split("\n")]
    named = Conversation("plain", [Message(i, "Dara" if i % 2 else "Sok", t) for i, t in enumerate(texts)])
    unnamed = score_messages(texts)
    scored = score_conversation(named)
    assert [w.probability for w in scored.windows] == [w.probability for w in unnamed.windows]
    assert scored.probability == unnamed.probability
    assert set(scored.senders) == {"Dara", "Sok"}
    assert unnamed.senders == {}


def test_top_windows_cite_their_heaviest_messages() -> None:
    texts = ["hi", "how was your day", "fine", "are you home alone", "dont tell your parents",
             "send me a picture", "ok", "bye"] * 4
    scores = score_messages(texts, indexes=[100 + i for i in range(len(texts))])
    top = scores.top[0]
    assert top.probability == max(w.probability for w in scores.windows)
    assert top.cited and all(100 <= i < 100 + len(texts) for i in top.cited)
    cited_texts = {texts[i - 100] for i in top.cited}
    assert cited_texts & {"are you home alone", "dont tell your parents", "send me a picture"}
    assert top.words


def test_empty_and_wordless_conversations() -> None:
    assert score_messages([]).windows == ()
    # Too few words read (emoticons, Khmer script, a greeting) is no evidence: no model probability,
    # and the analysis falls back to the rules' estimate.
    for texts in ([":)", "!!!", "\u1780\u17d2\u1789\u17bb\u17c6"], ["hi", "hey how are you"]):
        s = score_messages(texts)
        assert s.windows == () and s.probability == 0.0
    from hotline.detect import analyze

    assert analyze(Conversation("plain", [Message(0, None, "hi")])).scores["grooming"] == 0.0


def test_layout_covers_every_message_and_respects_the_caps() -> None:
    rng = np.random.default_rng(7)
    for n in (1, 5, 37, 400):
        words = rng.integers(0, 30, n)
        starts, ends = layout(words)
        covered = np.zeros(n, bool)
        for s, e in zip(starts, ends, strict=True):
            assert 0 <= s < e <= n and e - s <= 150
            covered[s:e] = True
        assert covered.all() and ends[-1] == n


def test_reading_drops_venue_marks_and_keeps_behaviour() -> None:
    (words,) = message_words(["bob2: r u home alone?? lol http://x.example/a :P"])
    assert words[:4] == ["are", "you", "home", "alone"]
    assert [w for w in words if feature_term(w)] == ["home", "alone"]  # ":P" leaves a "p", never a feature
    assert message_words(["a\x01b", "c"]) == [["a", "b"], ["c"]]  # a stray mark does not split a message
    assert canonical_text(["one", "two"]).count(MARK) == 2
    assert feature_term("home alone") and not feature_term("are you") and not feature_term("hahaha")


def test_an_unseen_spelling_counts_through_its_character_grams() -> None:
    scorer = load_model("grooming")
    assert scorer.gram == 4 and char_grams("pictures")[:2] == ["#<pic", "#pict"]
    assert char_grams("about") == [] and char_grams("sex") == []  # function words and short words: words only
    for word in ("pictureez", "sexxy"):
        assert word not in scorer.weights
        (weight,), (words,) = scorer.message_weights([word])
        assert words == 1 and weight > 0
        assert weight == pytest.approx(sum(scorer.weights.get(g, 0.0) for g in char_grams(word)), abs=1e-9)
    assert "pictureez" in dict(scorer.top_terms("send me pictureez"))
    # A second call reads the kept weight of a word and gives the same float.
    assert scorer.message_weights(["send me pictureez"]) == scorer.message_weights(["send me pictureez"])


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    """A tiny stand-in for ../shared/data in the real layouts: generated grooming and benign chats."""
    rng = random.Random(3)
    cues = ["are you alone", "how old are you", "dont tell your mom", "send me a picture", "you are so cute",
            "i want to meet you", "our secret ok", "delete this chat"]
    plain = ["the build failed again", "try sudo apt update", "what is your favorite film", "i like hiking",
             "the weather is nice", "we went to the beach", "dinner was great", "see you at the meeting"]
    convs = []
    for i in range(60):
        msgs = [{"role": "predator" if j % 2 else "decoy", "time": f"10:{j:02d}",
                 "text": " ".join(rng.choice(cues + plain[:3]) for _ in range(3))} for j in range(14)]
        convs.append({"id": i, "predator_idx": i % 12, "chunk_idx": i // 12, "source": "PJ", "label": 1,
                      "messages": msgs})
    (tmp_path / "groomer-chats").mkdir()
    (tmp_path / "groomer-chats" / "PJ_positive_conversations.json").write_text(json.dumps({"conversation": convs}))
    chit = tmp_path / "chats-benign" / "chitchat"
    chit.mkdir(parents=True)
    with (chit / "chitchat_conversations.jsonl").open("w") as fh:
        for i in range(150):
            msgs = [["A" if j % 2 else "B", " ".join(rng.choice(plain) for _ in range(3)), "2018-05-05T21:01:14Z"]
                    for j in range(14)]
            fh.write(json.dumps({"id": f"c{i}", "messages": msgs}) + "\n")
    irc = tmp_path / "chats-benign" / "ubuntu-irc"
    irc.mkdir(parents=True)
    with (irc / "ubuntu_irc_train_conversations.jsonl").open("w") as fh:
        for i in range(40):
            msgs = [["03:42", f"nick{j % 2}", rng.choice(plain)] for j in range(6)]
            fh.write(json.dumps({"file": "f", "conv_root": i, "messages": msgs}) + "\n")
    sms = tmp_path / "chats-benign" / "sms"
    sms.mkdir(parents=True)
    (sms / "SMSSpamCollection").write_text("Label\tSMS\n" + "".join(f"ham\t{rng.choice(plain)}\n" for _ in range(60)))
    return tmp_path


def test_training_runs_on_a_tiny_sample_and_is_deterministic(tiny_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from hotline.detect.scoring.linear import read_model
    from hotline.detect.scoring.training import Settings, train

    out1, out2 = tmp_path / "w1", tmp_path / "w2"
    lines: list[str] = []
    settings = Settings(min_groups=2, folds=2)
    train(tiny_data, out1, settings, cv=True, log=lines.append)
    train(tiny_data, out2, settings, cv=False, log=lambda s: None)
    assert any("average precision" in line for line in lines)
    assert (out1 / "grooming.npz").read_bytes() == (out2 / "grooming.npz").read_bytes()
    meta = json.loads((out1 / "grooming.json").read_text())
    with (out1 / "grooming.npz").open("rb") as fh:
        scorer = read_model(fh, meta)
    # Windows of about the size the tiny sample's windows have (a 3-line window reads too little to say much).
    groom, benign = scorer.score_windows(["\n".join(["are you alone", "send me a picture", "our secret ok"] * 4),
                                          "\n".join(["the build failed again", "try sudo apt update"] * 6)])
    assert groom > 0.5 > benign


def test_eval_real_reports_held_back_figures_first(tiny_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from hotline.cli import main
    from hotline.detect.scoring.training import Settings, train

    train(tiny_data, tmp_path / "w", Settings(min_groups=2), cv=False, log=lambda s: None)
    result = subprocess.run([sys.executable, "-c", "from hotline.cli import main; raise SystemExit(main())",
                             "eval-real", "--data", str(tiny_data), "--weights", str(tmp_path / "w")],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[1]
    assert first.strip().startswith("segments of ~190 words, no speaker names: F0.5")
    assert "grooming:benign = " in first
    assert "venue cues only" in result.stdout and "11-keyword list" in result.stdout
    assert main(["eval-real", "--data", str(tiny_data), "--weights", str(tmp_path / "none")]) == 2


def test_train_command_rejects_a_missing_data_folder(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", "from hotline.cli import main; raise SystemExit(main())", "train", "--data", str(tmp_path / "none"),
                             "--out", str(tmp_path / "w")], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2
    assert "data folder not found" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_built_wheel_ships_the_model(tmp_path: Path) -> None:
    """Build the wheel, install it (not editable) into a fresh venv, score the fixed windows from there."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(wheels)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("hotline-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The dependencies (numpy …) from this environment, after the venv's own packages: a plain path in a
    # .pth file, so this environment's editable install of hotline (a finder its own .pth sets up) stays out.
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "outer_environment.pth").write_text("".join(f"{p}\n" for p in sorted(outer)))
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True,
                   capture_output=True)
    script = textwrap.dedent(f"""
        import json, hotline.detect.scoring.linear as linear
        scorer = linear.load_model("grooming")
        print(json.dumps({{"file": linear.__file__,
                          "scores": scorer.score_windows({json.dumps(fixed_windows())}).tolist()}}))
    """)
    run = subprocess.run([str(python), "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    result = json.loads(run.stdout)
    assert result["file"].startswith(str(venv))
    np.testing.assert_allclose(result["scores"], GOLDEN, rtol=0, atol=1e-6)


def test_a_long_stream_is_scored_in_stretches_like_a_short_one() -> None:
    """Past `ScoreStream.SPAN` messages the stream scores stretches; every message stays covered and the
    highest window is found whichever stretch holds it."""
    rng = random.Random(11)
    filler = ["the bus was late", "we had a math test", "dinner was good", "see you at practice"]
    texts = [rng.choice(filler) for _ in range(5000)]
    cues = ["are you home alone", "dont tell your parents", "send me a picture baby", "our secret ok"]
    texts[3000:3000 + len(cues) * 3] = cues * 3
    whole = score_messages(texts)
    assert whole.starts[0] == 0 and whole.ends[-1] == len(texts)
    assert all(s <= e for s, e in zip(whole.starts[1:], whole.ends[:-1], strict=True))  # no gap between windows
    top = whole.top[0]
    assert top.start >= 2900 and top.end <= 3200
    assert any(3000 <= i < 3012 for i in top.cited)
    short = score_messages(texts[2900:3200])
    assert abs(max(short.probabilities) - top.probability) < 0.2


def test_weights_are_read_without_numpy_as_numpy_reads_them(tmp_path: Path) -> None:
    """The shipped `.npz` read by the standard-library reader gives numpy's values; a big-endian or version-2
    `.npy` reads the same, and an array of objects (a pickle) is refused."""
    import io
    import zipfile

    from hotline.detect.scoring.linear import _read_npz

    weights = Path(__file__).resolve().parents[2] / "hotline" / "detect" / "scoring" / "weights" / "grooming.npz"
    with np.load(weights, allow_pickle=False) as arrays, weights.open("rb") as fh:
        ours = _read_npz(fh)
        assert ours["weights"].tolist() == np.asarray(arrays["weights"], dtype=np.float64).tolist()
        assert ours["bias"].tolist() == arrays["bias"].tolist()

    def npz(array: np.ndarray, version: tuple[int, int] | None = None) -> io.BytesIO:
        body = io.BytesIO()
        np.lib.format.write_array(body, array, version=version, allow_pickle=True)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("weights.npy", body.getvalue())
        buf.seek(0)
        return buf

    values = np.asarray([0.5, -1.25, 3e-8], dtype=">f8")
    assert _read_npz(npz(values))["weights"].tolist() == values.tolist()
    assert _read_npz(npz(values.astype("<f4"), (2, 0)))["weights"].tolist() == values.astype("<f4").tolist()
    with pytest.raises(ValueError, match=r"unexpected \.npy array"):
        _read_npz(npz(np.asarray([{"a": 1}], dtype=object)))


def test_a_small_chat_is_analysed_without_importing_numpy() -> None:
    """Start-up: the engine, the scorer included, runs without numpy (its import costs more than the scoring)."""
    script = ("import sys; from hotline.detect import analyze; from hotline.detect.model import Conversation, Message; "
              "a = analyze(Conversation('plain', [Message(i, 'A' if i % 2 else 'B', 'how old are you? are you home alone '"
              " * 3) for i in range(12)])); assert a.scores['grooming'] > 0; print(sorted(m for m in sys.modules "
              "if m.split('.')[0] in ('numpy', 'phonenumbers', 'multiprocessing')))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    assert run.stdout.strip() == "[]", run.stdout
