"""Mask personal data before anything is written where people other than the citizen read it.

Reports, summaries and result lines may quote page text, form values and URLs; these can
carry a test citizen's ID number, phone, email, name, address or date of birth. Masking
keeps just enough to recognise a value (the last 3 digits, the email's first letter and
domain) and never touches what the report needs to stay true: TTHC codes (2.000635),
dossier codes (H00.25-251204-0001), times, dates that are not someone's birthday, IP
addresses and ports, percentages.

    mask_text("Gọi 0912 345 678, CCCD 001234567890")
        -> "Gọi **** *** 678, CCCD *********890"
    mask_record({"values": ["Nguyễn Văn An"]}, known=["Nguyễn Văn An"])
        -> {"values": ["[đã che]"]}

Only strings are masked (dict keys are field names, not data, and are left alone).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Iterable

REDACTED = "[đã che]"

# A character that, next to a digit run, makes it part of something larger (a code, a
# decimal, a word) rather than a number of its own.
_WORDISH = r"[^\W_]"

_EMAIL = re.compile(r"(?<![\w.%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")

# Phones: a mobile is 0 + 9 digits starting 3/5/7/8/9, a landline 0 + 10 digits starting 2
# (area code 02x/02xx); either may start with +84 / 84 instead of 0, and people write them
# with spaces, dots, dashes or the area code in brackets. A separator is at most two of these
# characters so that two numbers in a list are not read as one.
_SEP = r"[ .\-()]{0,2}"
_PHONE = re.compile(
    rf"(?<![\w.+\-*])(?:\(?\+\s?84\)?{_SEP}|\(?84\)?{_SEP}|\(?0)"
    rf"(?:[35789](?:{_SEP}\d){{8}}|2(?:{_SEP}\d){{9}})"
    rf"(?!{_WORDISH}|[.,\-:]\d)"
)

# ID numbers: 9 digits (old CMND) or 12 (CCCD), standing alone. Not after a dot or comma
# (the decimals of a code such as 2.000635123) and not before one followed by a digit.
_ID_NUMBER = re.compile(rf"(?<![\w.,*])(\d{{12}}|\d{{9}})(?!{_WORDISH}|[.,:]\d)")

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def _keep_last_digits(match_text: str, keep: int = 3) -> str:
    """Star every digit but the last ``keep``, leaving separators and "+" where they were."""
    total = sum(ch.isdigit() for ch in match_text)
    seen = 0
    out = []
    for ch in match_text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def _date_pattern(value: str) -> str | None:
    """A regex matching a date in the ways a Vietnamese page writes it, or None when the
    value is not a date. Birthdays are shown as 17/05/1990, 17/5/1990, 17-05-1990,
    1990-05-17 or "ngày 17 tháng 5 năm 1990" depending on the portal."""
    iso = _ISO_DATE.match(value)
    dmy = _DMY_DATE.match(value)
    if iso:
        year, month, day = iso.groups()
    elif dmy:
        day, month, year = dmy.groups()
    else:
        return None
    d = rf"0?{int(day)}"
    m = rf"0?{int(month)}"
    return (rf"(?:{d}[/.\-]{m}[/.\-]{year}|{year}-{m}-{d}"
            rf"|ngày\s+{d}\s+tháng\s+{m}\s+năm\s+{year})")


@lru_cache(maxsize=64)
def _known_pattern(known: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    # Longest first, so a full address wins over the street name it contains.
    for value in sorted({unicodedata.normalize("NFC", k).strip() for k in known if k}, key=len, reverse=True):
        if len(value) < 3:
            # Two letters would match inside ordinary words; such a value cannot be masked safely.
            continue
        date = _date_pattern(value)
        if date:
            parts.append(date)
        else:
            # Pages reflow text: any run of whitespace stands for a space.
            parts.append(r"\s+".join(re.escape(word) for word in value.split()))
    if not parts:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", re.IGNORECASE)


#: Credentials that travel in URLs during an OpenID Connect hand-off (authorization codes,
#: state and nonce, tokens in fragments) or in careless portals' links: never in a report.
_URL_SECRET = re.compile(
    r"([?&#;](?:code|state|nonce|access_token|id_token|refresh_token|token|session_state|sid|"
    r"password|passwd|pwd|matkhau|mat_khau)=)(?!\[đã che\])([^&#\s\"'<>]+)", re.IGNORECASE)


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    """Mask emails, phones, ID numbers, then the known personal strings, in ``text``.

    Idempotent: masking a masked text changes nothing."""
    if not text:
        return text
    text = unicodedata.normalize("NFC", text)
    text = _URL_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _PHONE.sub(lambda m: _keep_last_digits(m.group(0)), text)
    text = _ID_NUMBER.sub(lambda m: _keep_last_digits(m.group(0)), text)
    pattern = _known_pattern(tuple(known))
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return text


def mask_record(obj: Any, known: Iterable[str] = ()) -> Any:
    """A copy of ``obj`` (nested dicts, lists, tuples, strings) with every string masked.
    Numbers, booleans and None are returned as they are: an ID stored as a number has lost
    its leading zero anyway, and timings and counts must stay numbers."""
    known = tuple(known)
    if isinstance(obj, str):
        return mask_text(obj, known)
    if isinstance(obj, dict):
        return {key: mask_record(value, known) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(mask_record(value, known) for value in obj)
    return obj
