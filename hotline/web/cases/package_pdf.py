"""The printable half of a forwarding package: a PDF that a receiver without Hotline reads and prints,
with Khmer shaped (fpdf2 with HarfBuzz through uharfbuzz) and the font embedded (subset).

The font: `HOTLINE_PDF_FONT` (a TrueType file with Khmer letters), else Noto Sans Khmer shipped in
`fonts/` (of the Khmer fonts tried, it is the one whose shaped text extracts whole). A Khmer font without
Latin letters is paired with the first of `LATIN_FONTS` found. When none is found, `FontMissing` says
what is missing.

Copying text out of the PDF: fpdf2 gives each glyph of a shaped cluster after the first no Unicode
mapping, so a text extractor printed their raw codes inside Khmer words (`ToUnicodeFix` maps them to
nothing); a test extracts the text with pypdf and finds the Khmer words whole.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont, TTLibError
from fpdf import FPDF
from fpdf.output import OutputProducer
from fpdf.syntax import PDFContentStream

from hotline.web.reports import nationality
from hotline.web.reports.models import AgeBand, Category, Platform, ReporterType, Risk, Status

from .models import Forwarding

FONTS_DIR = Path(__file__).with_name("fonts")
#: Shipped with Hotline (SIL Open Font License: fonts/OFL.txt, fonts/README.md): a Khmer font, and the
#: Latin letters it lacks. Debian's fonts are tried after them (an installation that dropped the files).
KHMER_FONTS = (
    str(FONTS_DIR / "NotoSansKhmer-Regular.ttf"),
    "/usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf",
    "/usr/share/fonts/truetype/khmeros/KhmerOS.ttf",
)
LATIN_FONTS = (
    str(FONTS_DIR / "NotoSans-Latin.ttf"),
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
KHMER_LETTER, LATIN_LETTER = ord("ក"), ord("A")


class FontMissing(Exception):
    """No font with Khmer letters (or none with Latin ones) was found for the PDF."""


def _letters(path: str) -> frozenset[int]:
    try:
        font = TTFont(path, lazy=True, fontNumber=0)
        return frozenset(font.getBestCmap() or {})
    except (OSError, TTLibError, AssertionError) as exc:
        raise FontMissing(f"{path}: not a readable TrueType font ({exc})") from exc


@cache
def _fonts_for(setting: str) -> tuple[str, str | None]:
    """(Khmer font, Latin fallback or None when the Khmer font has Latin letters)."""
    candidates = [setting] if setting else [p for p in KHMER_FONTS if Path(p).is_file()]
    if setting and not Path(setting).is_file():
        raise FontMissing(f"HOTLINE_PDF_FONT={setting}: no such file")
    khmer = next((p for p in candidates if KHMER_LETTER in _letters(p)), None)
    if khmer is None:
        raise FontMissing(f"no font with Khmer letters: {FONTS_DIR}/NotoSansKhmer-Regular.ttf is missing (reinstall "
                          "Hotline), or set HOTLINE_PDF_FONT to a TrueType font with Khmer letters")
    if LATIN_LETTER in _letters(khmer):
        return khmer, None
    latin = next((p for p in LATIN_FONTS if Path(p).is_file() and LATIN_LETTER in _letters(p)), None)
    if latin is None:
        raise FontMissing(f"{khmer} has no Latin letters and no Latin font was found ({LATIN_FONTS[0]} is missing)")
    return khmer, latin


def fonts() -> tuple[str, str | None]:
    return _fonts_for(str(getattr(settings, "HOTLINE_PDF_FONT", "") or ""))


class ToUnicodeFix(OutputProducer):
    """fpdf2's writer, with every font code that carries no Unicode text (the second and later glyphs of
    a shaped Khmer cluster) mapped to the empty string in the font's ToUnicode map, so that copied or
    extracted text has no stray characters."""

    def _add_pdf_obj(self, obj: Any, trace_label: str | None = None) -> int:
        if isinstance(obj, PDFContentStream) and b"/Adobe-Identity-UCS" in obj.content_stream():
            text = obj.content_stream().decode("latin-1")
            mapped = {int(code, 16) for code in re.findall(r"^<([0-9A-F]{4})> <", text, re.MULTILINE)}
            empty = sorted(self._unmapped_codes() - mapped)
            blocks = "".join(f"{len(chunk)} beginbfchar\n" + "".join(f"<{c:04X}> <>\n" for c in chunk)
                             + "endbfchar\n" for chunk in (empty[i:i + 100] for i in range(0, len(empty), 100)))
            if blocks:
                contents = text.replace("endcmap\n", blocks + "endcmap\n", 1).encode("latin-1")
                obj._contents, obj.length = contents, len(contents)
        return int(super()._add_pdf_obj(obj, trace_label))

    def _unmapped_codes(self) -> set[int]:
        return {code for font in self.fpdf.fonts.values() if hasattr(font, "subset")
                for glyph, code in font.subset.items() if glyph is not None and not glyph.unicode}


class _Printer:
    """Writes headed sections of labelled lines down A4 pages."""

    def __init__(self, khmer: str, latin: str | None) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_margins(18, 16, 18)
        self.pdf.add_font("khmer", fname=khmer)
        if latin:
            self.pdf.add_font("latin", fname=latin)
            self.pdf.set_fallback_fonts(["latin"])
        self.pdf.set_text_shaping(True)
        self.pdf.add_page()

    def _text(self, text: str, size: float, height: float) -> None:
        self.pdf.set_font("khmer", size=size)
        self.pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")

    def title(self, text: str) -> None:
        self._text(text, 16, 9)

    def heading(self, text: str) -> None:
        self.pdf.ln(3)
        self._text(text, 12.5, 8)

    def line(self, label: str, value: Any) -> None:
        if value not in (None, ""):
            self._text(f"{label}: {value}", 10, 6)

    def paragraph(self, text: str, size: float = 10) -> None:
        self._text(text, size, 6)

    def output(self) -> bytes:
        return bytes(self.pdf.output(output_producer_class=ToUnicodeFix))


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value or ""))


def _when(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M %Z").strip()


def _evidence(p: _Printer, number: int, e: dict[str, Any]) -> None:
    p.heading(_("Evidence %(number)d") % {"number": number})
    p.line(_("Type"), f"{e['kind']} · {e['content_type']} · {e['size']:,} B")
    p.line(_("Received"), _when(e["received_at"]))
    p.line("SHA-256", e["sha256"])
    for h in e["pdq"]:
        p.line("PDQ", f"{h['pdq']} ({_('quality')} {h['quality']})")
    if e["hash_list_matches"]:
        p.line(_("Matches on hash lists"), e["hash_list_matches"])
    if e["deleted_after_retention"]:
        p.paragraph(_("The file was deleted after the retention period; its hashes remain."))
    analysis = e.get("analysis")
    if not analysis:
        return
    p.line(_("Risk found by the analysis"), _label(Risk.choices, analysis.get("risk")))
    stages = ", ".join(str(s.get("stage", "")).replace("_", " ") + f" (#{s.get('first_index')})"
                       for s in analysis.get("stages", []))
    p.line(_("Stages (from message)"), stages)
    if analysis.get("cited_messages"):
        p.paragraph(_("Messages cited by the analysis:"))
    for f in analysis.get("cited_messages", []):
        sender = f" {f['sender']}" if f.get("sender") else ""
        p.paragraph(f"#{f.get('index')}{sender}: “{f.get('excerpt', '')}” ({f.get('signal', '')}, {f.get('rule', '')})",
                    size=9.5)


def render(data: dict[str, Any], language: str) -> bytes:
    """The PDF of a package (`packages.package_data`), its headings in `language`."""
    khmer, latin = fonts()
    report, forwarding = data["report"], data["forwarding"]
    with translation.override(language):
        p = _Printer(khmer, latin)
        p.title(_("Forwarding package: report %(code)s") % {"code": report["tracking_code"]})
        p.paragraph(_("From the hotline, for the receiver. The reporter's contact details are not part of "
                      "this package. The same content, for software: package.json (format %(format)s, "
                      "version %(version)d).") % {"format": data["format"], "version": data["version"]},
                    size=9)
        p.heading(_("Forwarding"))
        p.line(_("Forwarded to"), _label(Forwarding.Recipient.choices, forwarding["recipient"]))
        p.line(_("Name (unit, platform, organisation)"), forwarding["recipient_name"])
        p.line(_("Their reference"), forwarding["reference"])
        p.line(_("Date"), forwarding["forwarded_on"])
        p.line(_("Classification"), _label(Forwarding.Classification.choices, forwarding["classification"])
               or _("Not classified"))
        p.heading(_("Report"))
        p.line(_("Received"), _when(report["received_at"]))
        p.line(_("Crime"), _label(Category.choices, report["category"]))
        incident = report["incident_type"]
        p.line(_("Incident type"), incident["label"].get(language) or incident["label"]["en"])
        p.line(_("CyberTipline incident type"), incident["ncmec_cybertipline"])
        p.line(_("Platform"), _label(Platform.choices, report["platform"]))
        p.line(_("Age of the person harmed"), _label(AgeBand.choices, report["victim_age_band"]))
        p.line(_("Reported by"), _label(ReporterType.choices, report["reporter_type"]))
        p.line(_("Status"), _label(Status.choices, report["status"]))
        p.line(_("Risk"), _label(Risk.choices, report["risk"]))
        offender = report["offender"]
        p.heading(_("Offender"))
        p.line(_("Name or account"), offender["name"])
        p.line(_("Profile link"), offender["profile_url"])
        p.line(_("Age they claimed"), offender["claimed_age"])
        p.line(_("Nationality"), nationality.label(offender["nationality"]))
        if report["description"]:
            p.heading(_("What the reporter wrote"))
            p.paragraph(report["description"])
        if data["urls"]:
            p.heading(_("Links"))
            for url in data["urls"]:
                p.paragraph(url)
        for number, evidence in enumerate(data["evidence"], start=1):
            _evidence(p, number, evidence)
        if data["removals"]:
            p.heading(_("Content removed"))
            for removal in data["removals"]:
                p.paragraph(f"{removal['removed_on']}: {removal['url']}")
        p.pdf.ln(4)
        p.paragraph(_("Made on %(when)s.") % {"when": _when(data["generated_at"])}, size=8.5)
        return p.output()
