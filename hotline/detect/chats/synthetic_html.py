"""Synthetic HTML exports in the markup the apps write: Telegram Desktop and Facebook/Instagram "Download
your information".

The companion of `synthetic` (same `(sender, time, text)` items and `MEDIA` / `DELETED` markers) for the
formats people get when they keep the apps' default: Telegram Desktop's `messages.html` pages (1,000
messages each, indented the way its writer indents, `joined` messages without a name, date separators,
a missed call, forwards and replies), and Facebook's `message_1.html` in its three layouts over the years
("2019": `_2lel`/`_2let`/`_2lem` divs, "2023": `_a6-g` boxes, "2025": `<section>`/`<h2>`/`<footer>`),
newest message first, with a reaction and optionally Facebook's mojibake.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from hotline.detect.chats.synthetic import DELETED, LOCAL_TZ, MEDIA

__all__ = ["FACEBOOK_LAYOUTS", "FORMATS", "VARIANTS", "facebook", "render", "telegram_pages", "time_resolution",
           "zip_of"]

Item = tuple[str, datetime, str]

FACEBOOK_LAYOUTS: tuple[str, ...] = ("2019", "2023", "2025")
FORMATS: tuple[str, ...] = ("telegram_html", "messenger_html", "instagram_html")
VARIANTS: dict[str, tuple[str, ...]] = {
    "telegram_html": ("current", "without-offset"),
    "messenger_html": FACEBOOK_LAYOUTS,
    "instagram_html": FACEBOOK_LAYOUTS,
}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_JOIN_WITHIN = timedelta(seconds=900)  # Telegram Desktop's kJoinWithinSeconds


def time_resolution(fmt: str, variant: str | None = None) -> timedelta:
    """How precisely each layout writes times (Facebook's 2019 layout: minutes)."""
    return timedelta(minutes=1) if fmt != "telegram_html" and variant == "2019" else timedelta(seconds=1)


def render(fmt: str, messages: Sequence[Item], *, title: str | None = None, variant: str | None = None,
           mojibake: bool = False) -> bytes:
    """One page of `fmt` (the first page, for Telegram chats over 1,000 messages use `telegram_pages`)."""
    name = title if title is not None else (messages[0][0] if messages else "Chat")
    if fmt == "telegram_html":
        return telegram_pages(messages, title=name, offset=variant != "without-offset", per_page=max(len(messages), 1))[0]
    if fmt in ("messenger_html", "instagram_html"):
        return facebook(messages, title=name, layout=variant or "2025", instagram=fmt == "instagram_html",
                        mojibake=mojibake)
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def zip_of(members: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# --- Telegram Desktop ---------------------------------------------------------------------------------


class _Writer:
    """Telegram's HtmlContext: block tags on their own lines, indented one space per open tag."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.tags: list[str] = []

    def push(self, tag: str, **attrs: str) -> None:
        inner = "".join(f' {k.rstrip("_")}="{_attr(v)}"' for k, v in attrs.items())
        self.out.append(f"\n{' ' * len(self.tags)}<{tag}{inner}>\n")
        self.tags.append(tag)

    def pop(self) -> None:
        tag = self.tags.pop()
        self.out.append(f"\n{' ' * len(self.tags)}</{tag}>\n")

    def div(self, cls: str, text: str | None = None, **attrs: str) -> None:
        self.push("div", class_=cls, **attrs)
        if text is not None:
            self.out.append(text)
            self.pop()

    def raw(self, text: str) -> None:
        self.out.append(text)


def _attr(value: str) -> str:
    return html.escape(value, quote=True).replace("&#x27;", "&apos;")


def _tg_text(text: str) -> str:
    """Telegram's SerializeString: escaped, newlines as <br>, URLs as links."""
    out: list[str] = []
    pos = 0
    for m in re.finditer(r"https?://\S+", text):
        out.append(_attr(text[pos:m.start()]))
        out.append(f'<a href="{_attr(m.group())}">{_attr(m.group())}</a>')
        pos = m.end()
    out.append(_attr(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def _tg_time(t: datetime, offset: bool) -> str:
    local = t.astimezone(LOCAL_TZ)
    stamp = f"{local:%d.%m.%Y %H:%M:%S}"
    if offset:
        minutes = int((local.utcoffset() or timedelta()).total_seconds()) // 60
        sign = "+" if minutes >= 0 else "-"
        stamp += f" UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return stamp


def _tg_head(w: _Writer, title: str, page: int) -> None:
    w.raw('<!DOCTYPE html>\n<html>\n')
    w.push("head")
    w.raw('\n  <meta charset="utf-8"/>\n<title>Exported Data</title>\n'
          '\n  <meta content="width=device-width, initial-scale=1.0" name="viewport"/>\n'
          '\n  <link href="css/style.css" rel="stylesheet"/>\n'
          '\n  <script src="js/script.js" type="text/javascript">\n\n  </script>\n')
    w.pop()
    w.push("body", onload="CheckLocation();")
    w.div("page_wrap")
    w.div("page_header")
    w.div("content")
    w.div("text bold", f"\n{_attr(title)}\n     ")
    w.pop()
    w.pop()
    w.div("page_body chat_page")
    w.div("history")
    if page > 1:
        prev = "messages.html" if page == 2 else f"messages{page - 1}.html"
        w.push("a", class_="pagination block_link", href=prev)
        w.raw("\nPrevious messages\n")
        w.pop()


def _tg_userpic(w: _Writer, name: str, n: int) -> None:
    w.div("pull_left userpic_wrap")
    w.div(f"userpic userpic{n % 8 + 1}", style="width: 42px; height: 42px")
    w.div("initials", _attr(name[:1]), style="line-height: 42px")
    w.pop()
    w.pop()


def telegram_pages(
    messages: Sequence[Item], *, title: str = "Chat", offset: bool = True, per_page: int = 1000,
    forwards: Mapping[int, str] | None = None, replies: Mapping[int, int] | None = None,
    services: Mapping[int, str] | None = None, call_after_first: bool = True,
) -> list[bytes]:
    """The pages Telegram Desktop writes for one chat: `messages.html`, `messages2.html`, ...

    `forwards` maps a message's position to the name it was forwarded from, `replies` to the position of
    the message it answers, `services` to a service line written just before it. The chat's first message
    is followed by a missed call from its sender (as in `synthetic`'s Telegram JSON). Deleted messages are
    left out, as Telegram does.
    """
    forwards, replies, services = forwards or {}, replies or {}, services or {}
    kept = [(i, m) for i, m in enumerate(messages) if m[2] != DELETED]
    pages: list[bytes] = []
    for start in range(0, max(len(kept), 1), per_page):
        chunk = kept[start:start + per_page]
        page = start // per_page + 1
        w = _Writer()
        _tg_head(w, title, page)
        prev: tuple[str, datetime, str | None] | None = None  # sender, time, forward origin
        day = None
        for n, (i, (sender, t, text)) in enumerate(chunk, start=start + 1):
            local = t.astimezone(LOCAL_TZ)
            if local.date() != day:
                day = local.date()
                w.div("message service", id=f"message-{n}")
                w.div("body details", f"\n{local.day} {_MONTHS[local.month - 1]} {local.year}\n       ")
                w.pop()
                prev = None
            if i in services:
                w.div("message service", id=f"message{100000 + n}")
                w.div("body details", f"\n{_attr(services[i])}\n       ")
                w.pop()
                prev = None
            origin = forwards.get(i)
            joined = (prev is not None and prev[0] == sender and prev[2] == origin and origin is None
                      and t - prev[1] <= _JOIN_WITHIN)
            w.div("message default clearfix joined" if joined else "message default clearfix", id=f"message{n}")
            if not joined:
                _tg_userpic(w, sender, n)
            w.div("body")
            w.div("pull_right date details", f"\n{local:%H:%M}\n       ", title=_tg_time(t, offset))
            if not joined:
                w.div("from_name", f"\n{_attr(sender)}\n       ")
            if origin is not None:
                _tg_userpic(w, origin, n + 1)
                w.div("forwarded body")
                w.div("from_name")
                w.raw(f"\n{_attr(origin)}")
                w.raw(f'<span class="date details" title="{_tg_time(t - timedelta(days=1), offset)}"> '
                      f"{(t - timedelta(days=1)).astimezone(LOCAL_TZ):%d.%m.%Y %H:%M:%S}</span>")
                w.pop()
            if i in replies:
                target = replies[i] + 1
                w.div("reply_to details")
                w.raw(f'\nIn reply to <a href="#go_to_message{target}" onclick="return GoToMessage({target})">'
                      "this message</a>\n")
                w.pop()
            if text == MEDIA:
                w.div("media_wrap clearfix")
                w.push("a", class_="photo_wrap clearfix pull_left",
                       href=f"photos/photo_{n}@{local:%d-%m-%Y_%H-%M-%S}.jpg")
                w.raw(f'\n<img class="photo" src="photos/photo_{n}@{local:%d-%m-%Y_%H-%M-%S}_thumb.jpg" '
                      'style="width: 260px; height: 346px"/>\n')
                w.pop()
                w.pop()
            elif text:
                w.div("text", f"\n{_tg_text(text)}\n       ")
            if origin is not None:
                w.pop()
            w.pop()
            w.pop()
            prev = (sender, t, origin)
            if n == 1 and call_after_first:
                w.div("message default clearfix", id="message100000")
                _tg_userpic(w, sender, n)
                w.div("body")
                w.div("pull_right date details", f"\n{local:%H:%M}\n       ", title=_tg_time(t, offset))
                w.div("from_name", f"\n{_attr(sender)}\n       ")
                w.div("media_wrap clearfix")
                w.div("media clearfix pull_left media_call")
                w.div("fill pull_left", "")
                w.div("body")
                w.div("title bold", f"\n{_attr(title)}\n         ")
                w.div("status details", "\nMissed\n         ")
                w.pop()
                w.pop()
                w.pop()
                w.pop()
                w.pop()
                prev = None
        if start + per_page < len(kept):
            w.push("a", class_="pagination block_link", href=f"messages{page + 1}.html")
            w.raw("\nNext messages\n")
            w.pop()
        while w.tags:
            w.pop()
        w.raw("</html>\n")
        pages.append("".join(w.out).encode())
    return pages


# --- Facebook and Instagram ---------------------------------------------------------------------------


def _mojibake(s: str) -> str:
    return s.encode("utf-8").decode("latin-1")


def _fb_time(t: datetime, layout: str) -> str:
    local = t.astimezone(LOCAL_TZ)
    hour = local.hour % 12 or 12
    if layout == "2019":
        return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M} {'PM' if local.hour >= 12 else 'AM'}"
    return f"{local:%b %d, %Y} {hour}:{local:%M:%S} {'pm' if local.hour >= 12 else 'am'}"


def facebook(
    messages: Sequence[Item], *, title: str = "Chat", layout: str = "2025", instagram: bool = False,
    mojibake: bool = False, reaction_on: int | None = 0,
) -> bytes:
    """`message_1.html` as Facebook (or Instagram) writes it in `layout`, newest message first.

    `reaction_on` puts a reaction (❤ from the other person) under that message, which is not its text.
    """
    if layout not in FACEBOOK_LAYOUTS:
        raise ValueError(f"unknown Facebook layout {layout!r}; known: {', '.join(FACEBOOK_LAYOUTS)}")

    def esc(s: str) -> str:
        return html.escape(_mojibake(s) if mojibake else s, quote=True).replace("\n", "<br />")

    people = list(dict.fromkeys(m[0] for m in messages))
    root = "your_instagram_activity" if instagram else "your_facebook_activity"
    slug = re.sub(r"[^a-z0-9]+", "", title.lower()) or "chat"
    folder = f"{root}/messages/inbox/{slug}_1234567890"
    boxes: list[str] = []
    for i in reversed(range(len(messages))):
        sender, t, text = messages[i]
        other = next((p for p in people if p != sender), sender)
        media = ""
        if text == MEDIA:
            ms = int(t.timestamp() * 1000)
            src = f"{folder}/photos/{ms}.jpg"
            media = f'<a href="{src}"><img src="{src}" class="_a6_o _3-96" /></a>'
            words = ""
        elif text == DELETED:
            words = esc(f"{sender} unsent a message.")
        else:
            words = esc(text)
        reaction = ""
        if reaction_on == i:
            reaction = (f'<ul class="_tqp"><li>{esc("❤" + other)}</li></ul>' if layout == "2019"
                        else f'<ul class="_a6-q"><li><span>{esc("❤ " + other)}</span></li></ul>')
        stamp = _fb_time(t, layout)
        if layout == "2019":
            boxes.append(
                '<div class="pam _3-95 _2pi0 _2lej uiBoxWhite noborder">'
                f'<div class="_3-96 _2pio _2lek _2lel">{esc(sender)}</div>'
                f'<div class="_3-96 _2let"><div><div></div><div>{words}</div><div>{media}</div>'
                f'<div>{reaction}</div></div></div>'
                f'<div class="_3-94 _2lem">{stamp}</div></div>')
        elif layout == "2023":
            who = (f'<h2 class="_3-95 _2pim _a6-h _a6-i">{esc(sender)}</h2>' if instagram
                   else f'<div class="_3-95 _2pim _a6-h _a6-i">{esc(sender)}</div>')
            boxes.append(
                f'<div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder">{who}'
                f'<div class="_3-95 _a6-p"><div><div></div><div>{words}</div><div>{media}</div>'
                f'<div>{reaction}</div></div></div>'
                f'<div class="_3-94 _a6-o">{stamp}</div></div>')
        else:
            boxes.append(
                f'<section class="_a6-g"><h2 class="_2ph_ _a6-h _a6-i">{esc(sender)}</h2>'
                f'<div class="_2ph_ _a6-p"><div><div></div><div>{words}</div><div>{media}</div>'
                f'<div>{reaction}</div></div></div>'
                f'<footer class="_3-94 _a6-o"><div class="_a72d">{stamp}</div></footer></section>')
    head = (f'<html><head><meta charset="utf-8" /><title>{esc(title)}</title>'
            '<style type="text/css">._a6-g{margin:8px}._3-95{padding:4px}</style>'
            '<base href="../../../../" /></head><body class="_5vb_ _2yq _a7o5">')
    participants = esc("Participants: " + ", ".join(people))
    if layout == "2019":
        top = ('<div class="_3a_u"><div class="_4t5n" role="main"><div class="_3b0b"><div class="_3b0c">'
               f'<div class="_3b0d">{esc(title)}</div></div></div>'
               f'<div class="_2lek">{participants}</div>')
        tail = "</div></div>"
    elif layout == "2023":
        top = (f'<div class="_a705"><div class="_3-8y _3-95 _a70a"><div class="_a70d"><div class="_a70e">'
               f'{esc(title)}</div></div></div><div class="_a706" role="main">'
               f'<div class="_3-95 _2pi0 _a6-g uiBoxWhite noborder"><div class="_2pin _a6-p">{participants}'
               "</div></div>")
        tail = "</div></div>"
    else:
        top = (f'<header class="_a709"><div class="_a70d"><h1>{esc(title)}</h1></div>'
               f'<p class="_a70f">{participants}</p></header><main class="_a706" role="main">')
        tail = "</main>"
    return (head + top + "".join(boxes) + tail + "</body></html>").encode()
