"""`hotline eval`: precision, recall and F0.5 of the engine on the labelled evaluation set.

Exit status: 0 when the set was scored (targets met or not, unless --strict), 1 when some files could
not be read or analysed (or a target failed under --strict), 2 when the set itself cannot be read.
Misses (--verbose) name the conversation, signal and message index, never the message text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from hotline.detect import formal_khmer, labels, scam_emails
from hotline.detect.evaluation import SPLITS, Counts, EvalReport, evaluate


def register(sub: Any) -> None:
    p = sub.add_parser(
        "eval", help="score the engine on the labelled evaluation set",
        description="Parse and analyse every labelled chat in the set; print precision, recall and F0.5 per "
                    "signal and personal-detail type, risk checks, format detection and the targets.",
    )
    p.add_argument("--set", dest="set_dir", default="eval", metavar="DIR",
                   help="the set's folder, holding labels.json (default: eval)")
    p.add_argument("--split", choices=SPLITS,
                   help="only this part of the set (default: all of it but the blind look-alikes)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="list every miss: conversation, signal, expected and got (no message text)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is not met")
    p.add_argument("--unattributed", action="store_true",
                   help="drop every sender name first, as in a chat pasted from a phone screen (the risk then "
                        "reads windows of messages; offenders are not looked for)")
    p.add_argument("--scam-emails", nargs="?", const=str(scam_emails.DEFAULT_PATH), metavar="PATH",
                   help="instead of the set: real sextortion scam e-mails (JSON Lines with a body), each as a "
                        f"one-message chat (default: {scam_emails.DEFAULT_PATH}); the first {scam_emails.TUNING} "
                        "may be tuned on, the rest are the figure")
    p.add_argument("--khmer-formal", nargs="?", const=str(formal_khmer.DEFAULT_PATH), metavar="PATH",
                   help="instead of the set: formal Khmer sentences (one a line) as 20-sentence WhatsApp chats, "
                        f"the false-alarm check (default: {formal_khmer.DEFAULT_PATH})")
    p.add_argument("--labels", metavar="FILE",
                   help="instead of the set: an export of analysts' verdicts (`hotline export-labels`), scored per "
                        "language: per-signal precision from the right/wrong marks, risk agreement")
    p.add_argument("--part", choices=(*formal_khmer.SPLITS, "all"), default="test",
                   help="with --khmer-formal: the reported one chat in ten (test, default), the tuning rest, or all")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.labels is not None:
        return _run_labels(Path(args.labels), as_json=args.json)
    if args.scam_emails is not None:
        return _run_scam_emails(Path(args.scam_emails), as_json=args.json, strict=args.strict)
    if args.khmer_formal is not None:
        return _run_khmer_formal(Path(args.khmer_formal), args.part, as_json=args.json, strict=args.strict)
    report = evaluate(Path(args.set_dir), split=args.split, unattributed=args.unattributed)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_report(report, sys.stdout, verbose=args.verbose)
    if report.errors:
        return 1
    if args.strict and not report.passed:
        return 1
    return 0


def _number(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _run_labels(path: Path, *, as_json: bool) -> int:
    """Score the engine on analysts' verdicts (see `hotline.detect.labels`)."""
    report = labels.score(labels.read_labels(path))
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        return 0
    for language, s in sorted(report.by_language.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        print(f"{language}: {s.conversations} conversations, {s.messages} messages")
        print(f"  {'signal':<16} {'tp':>4} {'fp':>4} {'new':>4} {'lost':>4}  {'precision':>9}  {'at export':>9}")
        for name, c in sorted(s.signals.items()):
            print(f"  {name:<16} {c.tp:>4} {c.fp:>4} {c.unmarked:>4} {c.lost:>4}  {_number(c.precision):>9}  "
                  f"{_number(c.marked_precision):>9}")
        r = s.risk.to_dict()
        print(f"  risk: {r['agree']}/{r['marked']} agree ({_number(r['agreement'])}), within one level "
              f"{_number(r['within_one_rate'])}; at export {_number(r['agreement_at_export'])}")
    return 0


def _row(name: str, c: Counts, width: int = 16) -> str:
    return (f"{name:<{width}} {c.tp:>4} {c.fp:>4} {c.fn:>4} {c.tn:>4}   "
            f"{c.precision:>6.3f} {c.recall:>6.3f} {c.f05:>6.3f}")


def print_report(report: EvalReport, out: TextIO, *, verbose: bool = False) -> None:
    """The human-readable report: tables, risk checks, format confusion, the targets line."""
    w = out.write
    rate = report.messages / report.seconds if report.seconds else 0.0
    w(f"Hotline evaluation of {report.set_dir} (split: {report.split or 'all'}"
      f"{', sender names dropped' if report.unattributed else ''}): {report.conversations} "
      f"conversations ({report.harmful} harmful, {report.benign} benign), {report.messages} messages, "
      f"{report.seconds:.2f} s ({rate:,.0f} messages/s)\n")
    if report.errors:
        w(f"\n{len(report.errors)} file(s) could not be read or analysed:\n")
        for cid, err in report.errors:
            w(f"  {cid}: {err}\n")
    head = f"{'signal':<16} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4}   {'prec':>6} {'recall':>6} {'F0.5':>6}\n"
    w("\n" + head)
    for s, c in report.signals.items():
        w(_row(s, c) + "\n")
    if report.by_language:
        w("\nby language (grooming / sextortion / sexting F0.5, conversations)\n")
        for lang, sig in report.by_language.items():
            n = sig["grooming"].tp + sig["grooming"].fp + sig["grooming"].fn + sig["grooming"].tn
            w(f"  {lang:<8} {sig['grooming'].f05:>6.3f} {sig['sextortion'].f05:>6.3f} "
              f"{sig['sexting'].f05:>6.3f}   {n}\n")
    w(f"\n{'personal detail':<16} {'gold':>4} {'TP':>4} {'FP':>4} {'FN':>4}   {'prec':>6} {'recall':>6} "
      f"{'F0.5':>6}   relaxed: {'prec':>6} {'recall':>6} {'F0.5':>6}\n")
    rows = [*report.personal_info.items(), ("all", report.personal_info_all)]
    for kind, score in rows:
        e, r = score.exact, score.relaxed
        w(f"{kind:<16} {e.support:>4} {e.tp:>4} {e.fp:>4} {e.fn:>4}   {e.precision:>6.3f} {e.recall:>6.3f} "
          f"{e.f05:>6.3f}            {r.precision:>6.3f} {r.recall:>6.3f} {r.f05:>6.3f}\n")
    w("\nrisk levels: " + "; ".join(
        f"{k}: " + ", ".join(f"{lvl} {n}" for lvl, n in v.items()) for k, v in report.risk_levels.items()) + "\n")
    w(f"benign rated high/critical: {len(report.benign_high)}"
      + (" (" + ", ".join(f"{c} {r}" for c, r in report.benign_high) + ")" if report.benign_high else "") + "\n")
    w(f"benign above their max_risk: {len(report.benign_above_max)}; "
      f"harmful below their min_risk: {len(report.harmful_below_min)}\n")
    o = report.offender_found
    w(f"offender named as suspected_offender: {o.tp}/{o.support}; languages matched: "
      f"{report.languages_matched}/{report.conversations - len(report.errors)}\n")
    confused = {k: n for k, n in report.formats.items() if k[0] != k[1]}
    total = sum(report.formats.values())
    w(f"format detected as labelled: {total - report.format_errors}/{total}"
      + ("; confused: " + ", ".join(f"{a}->{b} x{n}" for (a, b), n in sorted(confused.items()))
         if confused else "") + "\n")
    if verbose and report.misses:
        w(f"\nmisses ({len(report.misses)}):\n")
        for m in report.misses:
            w(f"  {m.conversation:<10} {m.signal:<28} expected {m.expected:<18} got {m.got}\n")
    parts = []
    for target in report.targets:
        le = target.op == "le"
        shown = f"{int(target.value)}" if le else f"{target.value:.3f}"
        threshold = f"{int(target.threshold)}" if le else f"{target.threshold:.2f}"
        parts.append(f"{target.name} {shown} {'<=' if le else '>='} {threshold} "
                     f"{'PASS' if target.passed else 'FAIL'}")
    w("\ntargets: " + " | ".join(parts) + "\n")
    w(f"overall: {'PASS' if report.passed else 'FAIL'}\n")


def _run_scam_emails(path: Path, *, as_json: bool, strict: bool) -> int:
    """Sextortion on real e-mails: found (sextortion, risk high or above) among the tuning and the rest."""
    report = scam_emails.evaluate_scam_emails(path)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_scam_emails(report, sys.stdout)
    found, total = report.reported
    return 1 if strict and found < total else 0


def print_scam_emails(report: scam_emails.ScamEmailReport, out: TextIO) -> None:
    """One line per e-mail (its line in the file, risk, parts found; never its text) and the two counts."""
    w = out.write
    w(f"Sextortion scam e-mails in {report.path}, each as a one-message chat; found = sextortion and risk "
      f"{scam_emails.FOUND_AT} or above\n\n")
    for r in report.results:
        w(f"  line {r.line:>3} {'tuning' if r.tuning else 'held':<7} {r.risk:<9} "
          f"{'found' if r.found else 'missed':<7} parts: {', '.join(r.parts) or 'none'}\n")
    (tf, tt), (hf, ht) = report.tuning, report.reported
    w(f"\ntuning (first {scam_emails.TUNING} in file order): {tf}/{tt} found\n")
    w(f"held back (the figure): {hf}/{ht} found\n")


def _run_khmer_formal(path: Path, part: str, *, as_json: bool, strict: bool) -> int:
    """Formal Khmer text as chats: how many the engine rates high or flags (counts and rule ids, no text)."""
    report = formal_khmer.evaluate_formal(path, part)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_khmer_formal(report, sys.stdout)
    return 1 if strict and not report.passed else 0


def print_khmer_formal(report: formal_khmer.FormalReport, out: TextIO) -> None:
    w = out.write
    rate = report.messages / report.seconds if report.seconds else 0.0
    w(f"Formal Khmer as chats ({report.path}, part {report.split}): {report.chats} chats of "
      f"{formal_khmer.CHAT_SIZE} sentences, {report.messages} messages, {report.seconds:.1f} s "
      f"({rate:,.0f} messages/s)\n\n")
    w("risk: " + ", ".join(f"{level} {n}" for level, n in report.risk_counts()) + "\n")
    w("chats flagged: " + (", ".join(f"{s} {n} ({n / report.chats:.1%})" for s, n in report.flagged.most_common())
                           or "none") + "\n")
    w("personal details: " + (", ".join(f"{t} {n}" for t, n in report.details.most_common()) or "none") + "\n")
    w("rules that fired (messages): " + (", ".join(f"{r} {n}" for r, n in report.rules.most_common(12)) or "none")
      + "\n")
    grooming, sextortion = report.flagged_rate("grooming"), report.flagged_rate("sextortion")
    w(f"\ntargets: high or critical {report.high_rate:.2%} <= {formal_khmer.TARGET_HIGH:.1%} "
      f"{'PASS' if report.high_rate <= formal_khmer.TARGET_HIGH else 'FAIL'} | grooming {grooming:.2%} and "
      f"sextortion {sextortion:.2%} <= 0% {'PASS' if grooming == sextortion == 0 else 'FAIL'}\n")
    w(f"overall: {'PASS' if report.passed else 'FAIL'}\n")
