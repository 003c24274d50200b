"""Post checker and `hotline check-post`: JSON shape, advice per detail and language, stdin, errors."""

from __future__ import annotations

import io
import json

import pytest

from hotline.cli import main
from hotline.detect.errors import InputError
from hotline.detect.post import MAX_POST_CHARS, advice_texts, check_post

POST = "call me 012 345 678, I live at #23 St. 271"


def test_check_post_json_shape() -> None:
    d = check_post(POST).to_dict()
    assert set(d) >= {"personal_info", "advice"}
    assert [(p["type"], p["value"], p["start"], p["end"]) for p in d["personal_info"]] == [
        ("phone", "012 345 678", 8, 19), ("address", "#23 St. 271", 31, 42),
    ]
    assert all(isinstance(a, str) and a for a in d["advice"])
    json.dumps(d)  # serialisable as is


@pytest.mark.parametrize(("text", "kind"), [
    ("my number 012 345 678", "phone"), ("mail me dara99@gmail.com", "email"), ("I live at #23 St. 271", "address"),
    ("here https://maps.app.goo.gl/aB3xYz9", "location"), ("my IG is @sokha_99", "social_handle"),
    ("I study at Sisowath High School", "school"), ("I'm 13", "age"), ("my ID card 010123456", "id_number"),
])
@pytest.mark.parametrize("lang", ["en", "km"])
def test_advice_is_specific_to_what_was_found(text: str, kind: str, lang: str) -> None:
    result = check_post(text, lang)
    texts = advice_texts(lang)
    assert [d.type for d in result.personal_info] == [kind]
    assert result.advice[0] == texts.types[kind]
    others = {t for k, t in texts.types.items() if k != kind}
    assert not others & set(result.advice)


def test_advice_follows_order_of_details_and_adds_safety_rules() -> None:
    result = check_post("I'm 13, call 012 345 678")
    texts = advice_texts("en")
    assert result.advice[:2] == [texts.types["age"], texts.types["phone"]]
    assert texts.rules["think_before_posting"] in result.advice
    assert "phone number" in result.advice[1]


def test_khmer_advice_is_khmer() -> None:
    result = check_post("លេខអូន ០១២ ៣៤៥ ៦៧៨", "km")
    assert result.personal_info[0].value == "០១២ ៣៤៥ ៦៧៨"
    assert all(any("\u1780" <= ch <= "\u17ff" for ch in line) for line in result.advice)


def test_clean_post_gets_general_advice_only() -> None:
    result = check_post("what a nice day at the beach")
    assert result.personal_info == []
    assert result.advice and not set(result.advice) & set(advice_texts("en").types.values())


@pytest.mark.parametrize(("text", "lang"), [("hi", "fr"), ("x" * (MAX_POST_CHARS + 1), "en")])
def test_bad_input_raises_input_error(text: str, lang: str) -> None:
    with pytest.raises(InputError):
        check_post(text, lang)


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-post", POST, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["type"] for p in out["personal_info"]] == ["phone", "address"]
    assert out["advice"][0].startswith("Remove your phone number")


def test_cli_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("ខ្ញុំអាយុ១៣ឆ្នាំ ផ្ទះលេខ២៣ ផ្លូវលេខ២៧១\n"))
    assert main(["check-post", "-", "--json", "--lang", "km"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(p["type"], p["value"]) for p in out["personal_info"]] == [
        ("age", "១៣"), ("address", "ផ្ទះលេខ២៣ ផ្លូវលេខ២៧១"),
    ]
    assert out["advice"][0] == advice_texts("km").types["age"]


def test_age_in_a_post_is_the_number_and_school_and_grade_are_two_details() -> None:
    result = check_post("I'm 13, grade 7 at Bak Touk High School")
    assert [(d.type, d.value) for d in result.personal_info] == [
        ("age", "13"), ("school", "grade 7"), ("school", "Bak Touk High School"),
    ]
    assert result.advice[0] == advice_texts("en").types["age"]
    assert result.advice.count(advice_texts("en").types["school"]) == 1


def test_cli_readable_report_marks_details(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-post", POST]) == 0
    out = capsys.readouterr().out
    assert "«012 345 678»" in out and "«#23 St. 271»" in out
    assert "\033[" not in out  # not a terminal: no colour codes
    assert "What to do" in out and "Remove your home address" in out


def test_cli_clean_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-post", "see you tomorrow", "--lang", "km"]) == 0
    out = capsys.readouterr().out
    assert advice_texts("km").summary_clean in out


def test_cli_rejects_unknown_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check-post", "hi", "--lang", "fr"])
    assert exc.value.code == 2
