"""Benchmark: Hotline's personal-details pass against Microsoft Presidio's analyzer, same messages, same run.

    python bench/bench_personal_info.py [--n 20000] [--seed 7]

Generates a labelled set of short chat messages (English, Khmer, romanised Khmer; with and without personal
details, hard negatives such as prices, dates, times and order numbers), then runs
`hotline.detect.signals.personal_info.find_personal_info` and Presidio (NoOpNlpEngine + PhoneRecognizer for
region KH + EmailRecognizer, the configuration that runs offline here) over it. Prints messages per second
for each, the speed ratio, and precision and recall per type. A detail counts as found when a detail of the
same type overlaps its labelled span. Presidio has no recogniser for the other types, so it scores 0 there.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import phonenumbers

from hotline.detect.model import PERSONAL_INFO_TYPES
from hotline.detect.signals.personal_info import find_personal_info

KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


@dataclass(frozen=True)
class Labelled:
    text: str
    gold: tuple[tuple[str, int, int], ...]  # (type, start, end)


# ---------------------------------------------------------------- value generators

KH_PREFIXES = ("12", "11", "17", "61", "76", "77", "78", "85", "89", "92", "95", "99", "10", "15", "16", "69",
               "70", "81", "86", "87", "93", "98", "96", "97", "88", "31", "60", "66", "67", "68", "90", "71")
NAMES = ("sokha", "dara", "vanna", "srey.leak", "bopha_99", "chenda", "rithy", "piseth", "malis", "kosal")
SANGKATS = ("Boeung Keng Kang 1", "Toul Tom Poung 2", "Tonle Bassac", "Chak Angre Leu", "Phsar Depo 3",
            "Teuk Laak 1", "Veal Vong", "Stueng Meanchey")
KHANS = ("Chamkar Mon", "Toul Kork", "Daun Penh", "Sen Sok", "Meanchey", "Russey Keo")
PROVINCES = ("Phnom Penh", "Siem Reap", "Battambang", "Kampot", "Takeo", "Kandal", "Kampong Cham", "Prey Veng")
KM_SANGKATS = ("បឹងកេងកង១", "ទួលទំពូង", "ទន្លេបាសាក់", "ផ្សារដេប៉ូ", "ទឹកល្អក់", "វាលវង់")
KM_KHANS = ("ចំការមន", "ទួលគោក", "ដូនពេញ", "សែនសុខ", "មានជ័យ")
KM_PHUMS = ("ថ្មី", "ព្រែកតាកូវ", "ត្រពាំងឈូក", "គោកខ្សាច់", "ស្វាយ")
KM_PROVINCES = ("ភ្នំពេញ", "សៀមរាប", "បាត់ដំបង", "កំពត", "តាកែវ", "កណ្ដាល", "ព្រៃវែង")
SCHOOLS = ("Hun Sen High School", "Sisowath High School", "Indradevi High School", "Preah Yukanthor High School",
           "Chea Sim Santhor Mok High School", "Bak Touk High School")
KM_SCHOOLS = ("វិទ្យាល័យព្រះស៊ីសុវត្ថិ", "វិទ្យាល័យហ៊ុនសែន", "វិទ្យាល័យឥន្ទ្រទេវី", "សាលាបឋមសិក្សាវត្តភ្នំ")


def kh_phone(rng: random.Random) -> str:
    while True:
        prefix = rng.choice(KH_PREFIXES)
        rest = "".join(rng.choice("0123456789") for _ in range(rng.choice((6, 7))))
        rest = str(rng.randint(2, 9)) + rest[1:]
        number = phonenumbers.parse("0" + prefix + rest, "KH")
        if phonenumbers.is_valid_number(number):
            break
    national = "0" + prefix + rest
    a, b = national[:3], national[3:]
    style = rng.randrange(9)
    if style == 0:
        return f"{a} {b[:3]} {b[3:]}"
    if style == 1:
        return f"{a}-{b[:3]}-{b[3:]}"
    if style == 2:
        return f"{a}.{b[:3]}.{b[3:]}"
    if style == 3:
        return national
    if style == 4:
        return f"+855 {prefix} {b[:3]} {b[3:]}"
    if style == 5:
        return f"+855{prefix}{rest}"
    if style == 6:
        return f"855 {prefix} {rest}"
    if style == 7:
        return f"{a} {b[:3]} {b[3:]}".translate(KHMER_DIGITS)
    return national.translate(KHMER_DIGITS)


INTL_REGIONS = ("TH", "VN", "KR", "JP", "CN", "US", "FR", "GB", "AU")


def intl_phone(rng: random.Random) -> str:
    """A valid foreign mobile number, different each time (so no cache of parsed numbers helps)."""
    region = rng.choice(INTL_REGIONS)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    national = str(example.national_number)
    while True:
        digits = national[:-4] + "".join(rng.choice("0123456789") for _ in range(4))
        number = phonenumbers.parse("+" + str(example.country_code) + digits)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def email(rng: random.Random) -> str:
    return f"{rng.choice(NAMES)}{rng.randint(1, 99)}@{rng.choice(('gmail.com', 'yahoo.com', 'outlook.com'))}"


def num(rng: random.Random, lo: int, hi: int, khmer: bool = False) -> str:
    s = str(rng.randint(lo, hi))
    return s.translate(KHMER_DIGITS) if khmer else s


Runner = Callable[[list[str]], list[list[tuple[str, int, int]]]]

# Each template: text with one {slot}; the slot's filler returns (type or None, value).
Filler = Callable[[random.Random], tuple[str | None, str]]

FILLERS: dict[str, Filler] = {
    "phone": lambda r: ("phone", kh_phone(r)),
    "intl": lambda r: ("phone", intl_phone(r)),
    "email": lambda r: ("email", email(r)),
    "handle": lambda r: ("social_handle", "@" + r.choice(NAMES)),
    "fb": lambda r: ("social_handle", f"https://www.facebook.com/{r.choice(NAMES)}.{r.randint(1, 999)}"),
    "tme": lambda r: ("social_handle", f"t.me/{r.choice(NAMES).replace('.', '_')}"),
    "tiktok": lambda r: ("social_handle", f"tiktok.com/@{r.choice(NAMES)}"),
    "lineid": lambda r: ("social_handle", f"{r.choice(NAMES).replace('.', '')}{r.randint(10, 99)}"),
    "addr_en": lambda r: ("address", f"#{r.randint(1, 199)} St. {r.randint(2, 599)}, Sangkat {r.choice(SANGKATS)}"),
    "addr_en2": lambda r: ("address", f"Sangkat {r.choice(SANGKATS)}, Khan {r.choice(KHANS)}, {r.choice(PROVINCES)}"),
    "addr_en3": lambda r: ("address", f"No. {r.randint(1, 99)}, Street {r.randint(2, 599)}, {r.choice(PROVINCES)}"),
    "addr_main": lambda r: ("address", f"{r.randint(1, 99)} {r.choice(('Main', 'Norodom', 'Monivong'))} Road"),
    "addr_latn": lambda r: ("address", f"phum {r.choice(('thmei', 'prek ta kov', 'svay'))} khum {r.choice(('kampong luong', 'prek anhchanh'))}"),
    "addr_km": lambda r: ("address", f"ផ្ទះលេខ{num(r, 1, 199, True)} ផ្លូវលេខ{num(r, 2, 599, True)} សង្កាត់{r.choice(KM_SANGKATS)}"),
    "addr_km2": lambda r: ("address", f"ភូមិ{r.choice(KM_PHUMS)} សង្កាត់{r.choice(KM_SANGKATS)} ខណ្ឌ{r.choice(KM_KHANS)}"),
    "addr_km3": lambda r: ("address", f"សង្កាត់{r.choice(KM_SANGKATS)} ខណ្ឌ{r.choice(KM_KHANS)} {r.choice(KM_PROVINCES)}"),
    "district": lambda r: (None, r.choice(KHANS)),  # a district alone is not an address
    "coords": lambda r: ("location", f"11.{r.randint(5000, 5999)}, 104.{r.randint(8000, 9999)}"),
    "maplink": lambda r: ("location", f"https://maps.app.goo.gl/{r.choice(('aB3xYz9', 'Q2w8ErT', 'kP0oL7u'))}"),
    "gmap": lambda r: ("location", f"https://www.google.com/maps?q=11.{r.randint(5000, 5999)},104.{r.randint(8000, 9999)}"),
    "school": lambda r: ("school", r.choice(SCHOOLS)),
    "grade": lambda r: ("school", f"grade {r.randint(6, 12)}"),
    "class": lambda r: ("school", f"class {r.randint(7, 12)}{r.choice('ABC')}"),
    "km_school": lambda r: ("school", r.choice(KM_SCHOOLS)),
    "km_grade": lambda r: ("school", f"ថ្នាក់ទី{num(r, 6, 12, True)}"),
    # an age is the number alone, as the evaluation set labels it ("I'm 14" -> "14")
    "age": lambda r: ("age", str(r.randint(11, 17))),
    "age_k": lambda r: ("age", num(r, 11, 17, True)),
    "id": lambda r: ("id_number", f"{r.randint(10, 99):02d}{r.randint(1000000, 9999999)}"),
    # hard negatives: look like details, are not
    "price": lambda r: (None, r.choice(("$25", "50,000 riel", "៥០០០០រៀល", "12.50 USD", "100,000៛", "$1,200"))),
    "time": lambda r: (None, r.choice(("10:30", "7pm", "21:15", "៨ម៉ោង", "at 6"))),
    "date": lambda r: (None, r.choice(("12/03/2025", "12.03.2025", "2025-03-12", "since 2019", "on 5 May"))),
    "order": lambda r: (None, f"order #{r.randint(100000000, 999999999)}"),
    "qty": lambda r: (None, r.choice(("3 pcs", "2 kg", "100 000 likes", "5 km", "98/100", "room 203"))),
}

DETAIL_TEMPLATES: tuple[str, ...] = (
    # personal details, English
    "call me {phone} after class", "my number is {phone}", "text me on {intl}", "ok bong, {phone} is my wa",
    "email me: {email}", "my gmail {email} ok", "my IG is {handle}", "follow me on tiktok {handle}",
    "add me {fb}", "this is my tele {tme}", "see my videos {tiktok}", "add my line id: {lineid}",
    "I live at {addr_en}", "my house is {addr_en2}", "send it to {addr_en3}", "I live at {addr_main}",
    "im here {coords}", "my location {maplink}", "here {gmap}",
    "I study at {school}", "I'm in {grade} now", "i am in {class}", "I'm {age} and you?", "i am {age} years old",
    "my ID card no {id}",
    # Khmer
    "បងតេមកលេខ {phone} ណា", "លេខអូន {phone}", "ផ្ទះខ្ញុំនៅ {addr_km}", "អូននៅ {addr_km2}", "ខ្ញុំរស់នៅ {addr_km3}",
    "ខ្ញុំរៀននៅ{km_school}", "អូនរៀន{km_grade}", "អូនអាយុ{age_k}ឆ្នាំ", "ខ្ញុំអាយុ {age_k} ហើយបង", "ទីតាំងផ្ទះ {maplink}",
    "អ៊ីមែលខ្ញុំ {email}",
    # romanised Khmer
    "bong call mk {phone} nas", "knhom nov {addr_latn}", "knhom {age} chnam hz bong", "oun rean {grade} hz",
    "ot mean luy te, lek oun {phone}",
)
NEGATIVE_TEMPLATES: tuple[str, ...] = (
    # hard negatives
    "it costs {price} only", "see you at {time} ok", "the exam is on {date}", "where is my {order}?",
    "I bought {qty} today", "my phone is 2 years old haha", "Phnom Penh is nice in {date}",
    "I love Phnom Penh so much", "see you after school", "I'm 5 minutes away", "ថ្លៃ {price} បង",
    "ជួបគ្នាម៉ោង {time}", "thank you bong, {price} ok", "the shop on street food row", "my sister is 10 years old",
    "ប្អូនស្រីខ្ញុំអាយុ១០ឆ្នាំ", "class starts at {time}", "is it {price}?", "we have 3 kids", "check {date} pls",
    "I live in {district}", "my cat is 3 years old", "we met at the mall on Street 63", "ABA account 002 931 558",
    "I'm at home now, mom is cooking", "ខ្ញុំនៅផ្ទះហើយ", "knhom nov pteah hz", "see you at school at {time}",
)
CHATTER_TEMPLATES: tuple[str, ...] = (
    # plain chatter, short and long, with the everyday words that also start a detail ("home", "live",
    # "school", "you", "now", នៅ, nov)
    "hi how are you", "what are you doing now?", "ok bong", "lol that's funny", "good night", "ញ៉ាំបាយនៅ?",
    "សួស្តីបង", "អូនកំពុងធ្វើអីហ្នឹង?", "nek tver ey?", "bong nek nov na?", "miss you", "haha ok",
    "did you finish the homework?", "my mom is calling me", "can you send the photo again", "ចាំបន្តិចណា",
    "oun kom kit chreun", "thank you so much", "see you tomorrow", "where r u", "ខ្ញុំនឹកអូនណាស់",
    "are you home alone? mom said she will be late tonight", "I live for the weekend honestly",
    "the teacher gave us so much homework, I can't finish it before class", "you look really pretty in that photo",
    "don't tell anyone ok? it's our secret", "ម៉ាក់ទៅផ្សារហើយ អូននៅផ្ទះម្នាក់ឯង", "បងនៅឯណាហ្នឹង? ចាំបងយូរហើយ",
    "ថ្ងៃនេះរៀនហត់ណាស់ គ្រូឱ្យកិច្ចការច្រើន", "oun nov pteah mnak eng te?", "bong jong jub oun nas",
    "sl oun nas, kom prab mak na", "ok see you after school then", "send me a selfie pls", "good morning sweetie",
    "what game are you playing? ml or free fire?", "I'm so tired today", "my phone battery is dying",
    "we can talk on telegram it's safer", "where do you study?", "what's your name?", "បងស្រលាញ់អូនណាស់",
)


TEMPLATES = DETAIL_TEMPLATES + NEGATIVE_TEMPLATES + CHATTER_TEMPLATES


#: The default mix: in a real chat few messages hold a personal detail (in the labelled evaluation set,
#: which was written to be rich in them, 123 of 1,001 do); many more hold some other number.
DETAIL_SHARE = 0.05
NEGATIVE_SHARE = 0.20


def build_messages(n: int, seed: int, detail_share: float = DETAIL_SHARE,
                   negative_share: float = NEGATIVE_SHARE) -> list[Labelled]:
    """`detail_share` of the messages carry a personal detail, `negative_share` only look as if they do
    (prices, times, dates, order numbers), the rest is plain chatter, as in a real chat."""
    rng = random.Random(seed)
    out: list[Labelled] = []
    for _ in range(n):
        roll = rng.random()
        pool = (DETAIL_TEMPLATES if roll < detail_share else
                NEGATIVE_TEMPLATES if roll < detail_share + negative_share else CHATTER_TEMPLATES)
        template = rng.choice(pool)
        gold: list[tuple[str, int, int]] = []
        text = template
        if "{" in template:
            head, rest = template.split("{", 1)
            slot, tail = rest.split("}", 1)
            kind, value = FILLERS[slot](rng)
            text = head + value + tail
            if kind:
                gold.append((kind, len(head), len(head) + len(value)))
        out.append(Labelled(text, tuple(gold)))
    return out


# ---------------------------------------------------------------- scoring

def score(messages: list[Labelled], predictions: list[list[tuple[str, int, int]]]) -> dict[str, tuple[int, int, int]]:
    """(true positives, false positives, false negatives) per type, matching by type and overlap."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for msg, pred in zip(messages, predictions, strict=True):
        used: set[int] = set()
        for kind, s, e in pred:
            hit = next((i for i, (k, gs, ge) in enumerate(msg.gold)
                        if i not in used and k == kind and s < ge and gs < e), None)
            if hit is None:
                fp[kind] += 1
            else:
                used.add(hit)
                tp[kind] += 1
        for i, (kind, _s, _e) in enumerate(msg.gold):
            if i not in used:
                fn[kind] += 1
    return {k: (tp[k], fp[k], fn[k]) for k in PERSONAL_INFO_TYPES}


def ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def run_ours(texts: Iterable[str]) -> list[list[tuple[str, int, int]]]:
    return [[(d.type, d.start, d.end) for d in find_personal_info(t)] for t in texts]


def presidio_runner() -> Runner | None:
    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NoOpNlpEngine
        from presidio_analyzer.predefined_recognizers import EmailRecognizer, PhoneRecognizer
    except ImportError:
        return None
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(PhoneRecognizer(supported_regions=["KH"]))
    registry.add_recognizer(EmailRecognizer())
    engine = AnalyzerEngine(registry=registry, nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "noop"}]),
                            supported_languages=["en"])
    mapping = {"PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email"}

    def run(texts: list[str]) -> list[list[tuple[str, int, int]]]:
        return [[(mapping[r.entity_type], r.start, r.end) for r in engine.analyze(t, language="en")
                 if r.entity_type in mapping] for t in texts]

    return run


def timed(runners: dict[str, Runner], texts: list[str], rounds: int = 3
          ) -> dict[str, tuple[float, list[list[tuple[str, int, int]]]]]:
    """Messages per second of each runner, the median of `rounds` runs after a warm-up.

    The engines take turns within each round, so that other work on the machine slows both alike."""
    for fn in runners.values():
        fn(texts[:200])  # warm up: lexicons load, as they would once in a long-running process
    times: dict[str, list[float]] = {name: [] for name in runners}
    results: dict[str, list[list[tuple[str, int, int]]]] = {}
    for _ in range(rounds):
        for name, fn in runners.items():
            t0 = time.perf_counter()
            results[name] = fn(texts)
            times[name].append(time.perf_counter() - t0)
    return {name: (len(texts) / statistics.median(times[name]), results[name]) for name in runners}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20000, help="number of messages (default 20000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--detail-share", type=float, default=DETAIL_SHARE,
                        help=f"share of messages that carry a personal detail (default {DETAIL_SHARE})")
    parser.add_argument("--negative-share", type=float, default=NEGATIVE_SHARE,
                        help=f"share of messages with look-alike numbers (default {NEGATIVE_SHARE})")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the median is reported")
    parser.add_argument("--misses", type=int, default=0, help="print this many of our misses and false alarms")
    args = parser.parse_args(argv)

    messages = build_messages(args.n, args.seed, args.detail_share, args.negative_share)
    texts = [m.text for m in messages]
    with_details = sum(1 for m in messages if m.gold)
    chatter = 1 - args.detail_share - args.negative_share
    print(f"{len(messages)} messages (mix: {args.detail_share:.0%} with a personal detail, "
          f"{args.negative_share:.0%} with look-alike numbers such as prices, times, dates and orders, "
          f"{chatter:.0%} plain chat; English, Khmer, romanised Khmer), {with_details} with a detail, "
          f"{sum(len(m.gold) for m in messages)} details labelled; median of {args.rounds} rounds")

    runners: dict[str, Runner] = {"hotline": run_ours}
    presidio = presidio_runner()
    if presidio is not None:
        runners["presidio"] = presidio
    else:
        print("presidio_analyzer is not installed: only Hotline is measured", file=sys.stderr)
    measured = timed(runners, texts, args.rounds)
    tables = {name: score(messages, found) for name, (_, found) in measured.items()}

    # The same comparison on the messages that carry a detail only: the hardest case for both.
    detail_texts = [m.text for m in messages if m.gold]
    detail_rates = {name: rate for name, (rate, _) in timed(runners, detail_texts, args.rounds).items()}

    print()
    print(f"{'engine':<10} {'msgs/s':>10} {'msgs/s, details only':>22}")
    for name, (rate, _) in measured.items():
        print(f"{name:<10} {rate:>10,.0f} {detail_rates[name]:>22,.0f}")
    if "presidio" in measured:
        print(f"speed ratio hotline / presidio: {measured['hotline'][0] / measured['presidio'][0]:.1f}x "
              f"(details only: {detail_rates['hotline'] / detail_rates['presidio']:.1f}x)")

    print()
    header = f"{'type':<14}" + "".join(f"{name + ' P':>12}{name + ' R':>12}" for name in tables)
    print(header)
    totals = {name: [0, 0, 0] for name in tables}
    shared = {name: [0, 0, 0] for name in tables}  # the types Presidio looks for: phone, email
    for kind in PERSONAL_INFO_TYPES:
        row = f"{kind:<14}"
        for name, table in tables.items():
            tp, fp, fn = table[kind]
            for i, v in enumerate((tp, fp, fn)):
                totals[name][i] += v
                if kind in ("phone", "email"):
                    shared[name][i] += v
            row += f"{ratio(tp, tp + fp):>12.3f}{ratio(tp, tp + fn):>12.3f}"
        print(row)
    for label, sums in (("phone+email", shared), ("all", totals)):
        row = f"{label:<14}"
        for name in tables:
            tp, fp, fn = sums[name]
            row += f"{ratio(tp, tp + fp):>12.3f}{ratio(tp, tp + fn):>12.3f}"
        print(row)

    if args.misses:
        shown = 0
        for msg, pred in zip(messages, measured["hotline"][1], strict=True):
            gold = sorted(msg.gold)
            if sorted((k, s, e) for k, s, e in pred) != gold and [k for k, *_ in sorted(pred)] != [k for k, *_ in gold]:
                print(f"  {msg.text!r}: gold {[(k, msg.text[s:e]) for k, s, e in gold]} "
                      f"found {[(k, msg.text[s:e]) for k, s, e in pred]}")
                shown += 1
                if shown >= args.misses:
                    break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
