"""The catalog sweep (tier 1): every service a unit declares, over HTTP, fast and politely.

For every full-online procedure a unit declares on the national portal (its catalog API,
or a catalog file), follow the hand-off link without a browser and judge where it lands:

    ok             on the unit's system (its host, or a system of its own the tester was not
                   told of: never another unit's, the national portal or the identity
                   provider), a page of that procedure, no error text
    failures       dns, refused, reset, timeout, tls, http_4xx, http_5xx, redirect_loop,
                   error_text ("Thủ tục hành chính không tồn tại ..."), home_page,
                   other_unit, wrong_page, other
    not checkable  challenge (an anti-bot page: what is behind it was not seen), login (a
                   sign-in page the sweep could not pass), gate (a registration or
                   password-change page stands before the service)

Politeness toward real portals: at most ``per_host`` requests in flight per host (one
asyncio.Semaphore per host, held per request, redirect hops included); a host is "cold" until
a chain of redirects signed in there (went through the identity provider and came back
without an error) or landed on a working service without signing in: until then its links
go one at a time (concurrent first sign-ins on one cookie jar would overwrite each other's
OIDC state), and a sign-in that failed on the way back is tried once more; an identifying
User-Agent with a contact address; connect/read timeouts; retries with exponential back-off
for transient failures only (timeouts, connection resets, HTTP 502/503/504, honouring
Retry-After), never for 4xx; a host that failed ``breaker_after`` times in a row at the
connection level is not asked again in this sweep (its remaining links take the same class,
marked ``inferred``). Links that landed on a home page are looked at again at the end, one at
a time per host, twice at most: a hand-off that goes astray only sometimes ("điều hướng
không ổn định") then reaches the service (``ok``, marked ``unstable``).

Catalog: ``/api/danh-muc?muc_do=tat_ca`` when the portal answers it (every procedure it lists
for a unit, full-online ones with a link, ``toan_trinh``), else ``/api/danh-muc`` (the
full-online ones only). Per unit, ``listed`` (the procedures the national portal lists for
it: the letter's "Tổng số", known only from the full reading) beside ``declared`` (links)
and ``working`` (the letter's "Số TTHC đã cung cấp").

Results: per unit, one record for ``provided_on_portal`` (đạt when at least one declared
service works, chưa đạt when every link was judged and none works, or the unit has no
full-online link at all, không kiểm tra được when none works and some could not be seen)
and, for units with links, one for ``single_system`` (distinct hosts the unit's services
land on), in the format of engine/results.py, with the unit's catalog
summary (declared, working, failures by class with example links) as evidence; one line
per link in ``catalog-sweep.jsonl`` beside ``results.jsonl``.

    python -m engine.sweep --env config/environments/sandbox.yaml --run-dir DIR \\
        [--per-host N] [--storage-state PATH] [--unit ID ...] [--catalog FILE]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import html
import http.cookiejar
import json
import os
import random
import re
import socket
import ssl
import sys
import time
import unicodedata
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urljoin, urlsplit

import httpx
import yaml

from engine import results as results_io
from engine.masking import mask_record
from engine.phrases import CHALLENGE_PHRASES, HOME_PATHS, NOT_FOUND_PHRASES, fill_template
from engine.verdict import CHUA_DAT, DAT, KHONG_KIEM_TRA_DUOC, Verdict, chua_dat, dat, khong_kiem_tra_duoc

ROOT = Path(__file__).resolve().parent.parent
TZ = dt.timezone(dt.timedelta(hours=7))
LINKS_FILE = "catalog-sweep.jsonl"
CONTACT_VARIABLE = "DVC_CONTACT"
VERSION = "0.1"
DEFAULT_CONTACT = "chưa khai báo"

# ------------------------------------------------------------------ classes

OK = "ok"
#: Vietnamese wording of each class, as it reads in a sentence about the unit's services.
CLASS_LABELS: dict[str, str] = {
    OK: "thực hiện được",
    "dns": "không phân giải được tên miền",
    "refused": "máy chủ từ chối kết nối",
    "reset": "kết nối bị ngắt",
    "timeout": "quá thời gian chờ phản hồi",
    "tls": "lỗi kết nối bảo mật (TLS)",
    "http_4xx": "báo lỗi HTTP 4xx",
    "http_5xx": "lỗi máy chủ (HTTP 5xx)",
    "redirect_loop": "chuyển hướng vòng lặp",
    "error_text": "hiển thị thông báo lỗi",
    "home_page": "điều hướng về trang chủ",
    "other_unit": "điều hướng sang hệ thống của đơn vị khác",
    "wrong_page": "không đến trang của thủ tục",
    "other": "lỗi khác",
    "challenge": "bị trang kiểm tra chống bot chặn",
    "login": "dừng ở trang đăng nhập",
    "gate": "dừng ở trang đăng ký tài khoản hoặc đổi mật khẩu",
}
FAILURE_CLASSES = ("dns", "refused", "reset", "timeout", "tls", "http_4xx", "http_5xx", "redirect_loop",
                   "error_text", "home_page", "other_unit", "wrong_page", "other")
#: What stood in the way: the service may well exist, the sweep did not see it.
UNVERIFIED_CLASSES = ("challenge", "login", "gate")
#: Connection-level failures: they count toward a host's breaker.
TRANSPORT_CLASSES = ("dns", "refused", "reset", "timeout", "tls")
TRANSIENT_STATUS = (502, 503, 504)
#: Classes whose landing host is a system of the unit (for single_system).
LANDED_CLASSES = (OK, "error_text", "home_page", "wrong_page", "gate", "login")

#: Generic error pages and the gates (registration, password change) seen over HTTP; the
#: phrases the browser journey also uses come from engine.phrases.
ERROR_PHRASES = ("Thực hiện thất bại", "Lỗi hệ thống", "Đã có lỗi xảy ra", "Không tìm thấy trang")
GATE_PHRASES = ("đăng ký tài khoản", "tạo tài khoản", "đổi mật khẩu", "thay đổi mật khẩu")


def _casefold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


_CF_NOT_FOUND = tuple((p, _casefold(p)) for p in NOT_FOUND_PHRASES)
_CF_ERROR = tuple((p, _casefold(p)) for p in ERROR_PHRASES)
_CF_CHALLENGE = tuple((p, _casefold(p)) for p in CHALLENGE_PHRASES)
_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.S | re.I)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)
_PASSWORD_INPUT = re.compile(r"<input\b[^>]*type=[\"']?password", re.I)
_SSO_FORM = re.compile(r"<form\b[^>]*\baction=[\"']([^\"']*vneid[^\"']*)[\"'][^>]*>", re.I)
_SSO_LINK = re.compile(r"<a\b[^>]*\bhref=[\"']([^\"']*vneid[^\"']*)[\"']", re.I)


def page_text(body: str) -> str:
    """The visible text of a page, whitespace collapsed (no browser: scripts not run)."""
    return " ".join(html.unescape(_TAG.sub(" ", _SCRIPT_STYLE.sub(" ", body))).split())


def _first(pattern: re.Pattern[str], body: str) -> str:
    m = pattern.search(body)
    return page_text(m.group(1)) if m else ""


def _mention(folded: str, phrases: tuple[tuple[str, str], ...]) -> str | None:
    for phrase, cf in phrases:
        if cf in folded:
            return phrase
    return None


def quote_of(body: str, phrase: str, limit: int = 200) -> str:
    """The text of the element that carries the phrase, as the citizen read it."""
    for m in re.finditer(r">([^<]{0,%d})<" % (limit * 2), body):
        text = " ".join(html.unescape(m.group(1)).split())
        if _casefold(phrase) in _casefold(text):
            return text[:limit]
    return phrase


def origin(url: str) -> str:
    """host:port of a URL, default ports filled in, lower case: the unit of politeness."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


# ------------------------------------------------------------------ data

@dataclass
class SweepOptions:
    per_host: int = 4                 # requests in flight per host
    timeout_s: float = 15.0           # read timeout per request (the letter: 15 s per screen)
    connect_timeout_s: float = 5.0
    retries: int = 2                  # for transient failures only
    backoff_s: float = 0.5            # first back-off; doubles per retry, with jitter
    max_backoff_s: float = 10.0
    max_redirects: int = 15
    breaker_after: int = 5            # consecutive connection failures before a host is left alone; 0: never
    max_in_flight: int = 256          # links in flight, all hosts together
    max_body_bytes: int = 1_000_000
    user_agent: str = ""
    verify_tls: bool = True


@dataclass
class Link:
    unit: str
    unit_name: str
    code: str
    name: str
    url: str


@dataclass
class LinkResult:
    link: Link
    klass: str
    status: int | None = None
    final_url: str | None = None
    detail: str = ""
    attempts: int = 0
    hops: int = 0
    started: float = 0.0
    elapsed_s: float = 0.0
    inferred: bool = False            # not requested: the host had failed repeatedly
    unstable: bool = False            # landed on the home page first, on the service when looked at again

    @property
    def host(self) -> str | None:
        return origin(self.final_url) if self.final_url else None

    def as_line(self) -> dict[str, Any]:
        return {"unit": self.link.unit, "code": self.link.code, "procedure": self.link.name,
                "url": self.link.url, "class": self.klass, "status": self.status,
                "final_url": self.final_url, "detail": self.detail, "attempts": self.attempts,
                "hops": self.hops, "elapsed_s": round(self.elapsed_s, 3), "inferred": self.inferred,
                "unstable": self.unstable}


@dataclass
class _Chain:
    """One attempt at a link: the cold hosts' locks it holds, and every response it got
    (origin, status; None when the request failed), in order."""
    held: list[tuple[str, asyncio.Lock]] = field(default_factory=list)
    visits: list[tuple[str, int | None]] = field(default_factory=list)

    def holds(self, key: str) -> bool:
        return any(k == key for k, _ in self.held)


class _Failure(Exception):
    def __init__(self, klass: str, detail: str, transient: bool = False, inferred: bool = False,
                 url: str | None = None, hops: int = 0):
        super().__init__(detail)
        self.klass, self.detail, self.transient, self.inferred = klass, detail, transient, inferred
        self.url, self.hops = url, hops


def classify_exception(error: BaseException) -> tuple[str, bool, str]:
    """(class, transient, detail) of a transport error."""
    if isinstance(error, httpx.TimeoutException):
        return "timeout", True, f"hết thời gian chờ ({error.__class__.__name__})"
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(str(e) for e in chain)
    low = text.lower()
    detail = (str(error).splitlines() or [error.__class__.__name__])[0] or error.__class__.__name__
    if any(isinstance(e, socket.gaierror) for e in chain) or "name or service not known" in low \
            or "nodename nor servname" in low or "temporary failure in name resolution" in low \
            or "no address associated" in low:
        return "dns", False, f"không phân giải được tên miền ({detail})"
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in low or "certificate" in low:
        return "tls", False, f"lỗi TLS ({detail})"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in low \
            or "errno 111" in low:
        return "refused", False, f"từ chối kết nối ({detail})"
    if any(isinstance(e, (ConnectionResetError, BrokenPipeError)) for e in chain) or "reset" in low \
            or isinstance(error, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
        return "reset", True, f"kết nối bị ngắt ({detail})"
    if isinstance(error, httpx.ConnectError):
        return "refused", False, f"không kết nối được ({detail})"
    return "other", False, f"{error.__class__.__name__}: {detail}"


# ------------------------------------------------------------------ the sweeper

class Sweeper:
    """Follows hand-off links with one cookie jar of its own (``cookies``: the signed-in
    session) and judges where they land.

    ``own_hosts``: unit id -> origins of its declared portal; ``foreign``: origin -> unit id
    for every unit's portal (so a landing there is "another unit"); ``idp_hosts`` and
    ``national_hosts``: origins of the identity provider and the national portal."""

    def __init__(self, client: httpx.AsyncClient, options: SweepOptions | None = None, *,
                 cookies: httpx.Cookies | None = None,
                 own_hosts: dict[str, set[str]] | None = None, foreign: dict[str, str] | None = None,
                 idp_hosts: Iterable[str] = (), national_hosts: Iterable[str] = (),
                 warm_hosts: Iterable[str] = ()):
        self.client = client
        # The sweep keeps its own cookie jar and asks it per request for that host's cookies
        # only: httpx would copy the client's whole jar (every unit's session) per request.
        # Give it a client from make_client(), whose own jar keeps nothing.
        self.jar = cookies if cookies is not None else httpx.Cookies()
        self.options = options or SweepOptions()
        self.own_hosts = own_hosts or {}
        self.foreign = foreign or {}
        self.idp_hosts = set(idp_hosts)
        self.national_hosts = set(national_hosts)
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._cold: dict[str, asyncio.Lock] = {}
        self._warm: set[str] = set(warm_hosts) | self.idp_hosts | self.national_hosts
        self._fails: Counter[str] = Counter()
        self._last_fail: dict[str, tuple[str, str]] = {}
        self.requests: Counter[str] = Counter()   # requests sent, per host
        self.retried = 0
        self.sign_in_retried = 0                  # links tried again after a failed sign-in

    # -- politeness
    def _sem(self, key: str) -> asyncio.Semaphore:
        sem = self._sems.get(key)
        if sem is None:
            sem = self._sems[key] = asyncio.Semaphore(max(1, self.options.per_host))
        return sem

    def _check_breaker(self, key: str) -> None:
        limit = self.options.breaker_after
        if limit and self._fails[key] >= limit:
            klass, detail = self._last_fail[key]
            raise _Failure(klass, f"không gửi yêu cầu: {key} đã lỗi kết nối {self._fails[key]} lần liên tiếp "
                                  f"({detail})", inferred=True)

    async def _enter_host(self, key: str, chain: _Chain) -> None:
        """A chain enters a cold host alone and holds it to its end: concurrent first
        contacts would race its sign-in (each starting its own OIDC round trip, the host's
        session cookie, which carries the OIDC state, overwritten by the next). The host
        turns warm only when a chain signed in there or landed on a working service (see
        ``_warmed``); a chain that learnt neither (a home page, a 404 before any sign-in)
        lets the next one in, alone again."""
        self._check_breaker(key)
        if key in self._warm or chain.holds(key):
            return
        lock = self._cold.setdefault(key, asyncio.Lock())
        # Not asyncio.wait_for(lock.acquire()): on 3.11 a timeout that fires as the lock is
        # handed over leaves it held for ever. Here the acquiring task is either done (the
        # lock is ours) or cancelled before it took the lock.
        acquiring = asyncio.ensure_future(lock.acquire())
        try:
            await asyncio.wait({acquiring}, timeout=max(1.0, self.options.timeout_s * 2))
        finally:
            if not acquiring.done():
                acquiring.cancel()
        if not acquiring.done() or acquiring.cancelled():
            # go ahead anyway rather than wait forever on a stuck first contact, unless the
            # host has meanwhile failed too often to be asked again
            self._check_breaker(key)
            return
        if key in self._warm:
            lock.release()
        else:
            chain.held.append((key, lock))
        self._check_breaker(key)

    def _sign_in_failed(self, chain: _Chain) -> bool:
        """The chain went through the identity provider and the first answer back on a
        portal was an error (the callback refused: state or code not accepted)."""
        idp = [i for i, (key, _) in enumerate(chain.visits) if key in self.idp_hosts]
        if not idp:
            return False
        after = chain.visits[idp[-1] + 1:]
        return bool(after) and (after[0][1] is None or after[0][1] >= 400)

    def _warmed(self, chain: _Chain, klass: str | None, final_url: str | None) -> set[str]:
        """Hosts the chain leaves signed in or known not to need it: after a sign-in that
        came back well, every host answered after the identity provider; without one, the
        host a working service was found on. A host only passed through before the sign-in
        (a redirect to a second system) stays cold."""
        idp = [i for i, (key, _) in enumerate(chain.visits) if key in self.idp_hosts]
        if idp:
            if self._sign_in_failed(chain):
                return set()
            return {key for key, status in chain.visits[idp[-1] + 1:] if status is not None}
        if klass == OK and final_url:
            return {origin(final_url)}
        return set()

    def _note(self, key: str, failure: tuple[str, str] | None) -> None:
        if failure is None:
            self._fails[key] = 0
        else:
            self._fails[key] += 1
            self._last_fail[key] = failure

    # -- one request, redirects followed by hand
    async def _follow(self, url: str, method: str, data: dict | None, chain: _Chain) -> tuple[int, str, str, int]:
        seen: Counter[str] = Counter()
        opts = self.options
        for hop in range(opts.max_redirects + 1):
            key = origin(url)
            await self._enter_host(key, chain)
            async with self._sem(key):
                self.requests[key] += 1
                try:
                    request = self.client.build_request(method, url, data=data)
                    request.headers.pop("cookie", None)
                    self.jar.set_cookie_header(request)
                    response = await self.client.send(request, stream=True)
                    self.jar.extract_cookies(response)
                    try:
                        redirect_to = response.headers.get("location") if response.is_redirect else None
                        body = b"" if redirect_to else await _read_capped(response, opts.max_body_bytes)
                    finally:
                        await response.aclose()
                except httpx.HTTPError as error:
                    chain.visits.append((key, None))
                    klass, transient, detail = classify_exception(error)
                    if klass in TRANSPORT_CLASSES:
                        self._note(key, (klass, detail))
                    raise _Failure(klass, detail, transient=transient, url=url, hops=hop + 1) from None
            chain.visits.append((key, response.status_code))
            self._note(key, None)
            if redirect_to:
                nxt = urljoin(url, redirect_to)
                seen[nxt] += 1
                if seen[nxt] > 2:
                    raise _Failure("redirect_loop", f"chuyển hướng lặp lại tới {nxt}", url=nxt, hops=hop + 1)
                if response.status_code in (301, 302, 303):
                    method, data = "GET", None
                url = nxt
                continue
            text = body.decode(response.charset_encoding or "utf-8", errors="replace")
            return response.status_code, url, text, hop + 1
        raise _Failure("redirect_loop", f"quá {opts.max_redirects} lần chuyển hướng", url=url,
                       hops=opts.max_redirects + 1)

    # -- judging a landing
    def judge(self, link: Link, status: int, url: str, body: str) -> tuple[str, str]:
        folded = _casefold(page_text(body))
        phrase = _mention(folded, _CF_CHALLENGE)
        if phrase:
            return "challenge", f"trang kiểm tra chống bot (“{phrase}”): không thấy được dịch vụ phía sau"
        key = origin(url)
        if key in self.idp_hosts:
            if status >= 400:
                return "http_4xx", f"nhà cung cấp định danh báo HTTP {status}"
            return "login", "dừng ở trang đăng nhập của nhà cung cấp định danh (chưa đăng nhập)"
        owner = self.foreign.get(key)
        if owner and owner != link.unit and key not in self.own_hosts.get(link.unit, set()):
            return "other_unit", f"đến hệ thống của đơn vị khác ({owner}, {key})"
        if key in self.national_hosts:
            return "wrong_page", "quay về Cổng DVCQG"
        not_found = _mention(folded, _CF_NOT_FOUND)
        if status >= 500:
            return "http_5xx", f"HTTP {status}"
        if status >= 400:
            return "http_4xx", f"HTTP {status}" + (f": “{not_found}”" if not_found else "")
        if status >= 300:
            return "other", f"HTTP {status} không có địa chỉ chuyển hướng"
        error = not_found or _mention(folded, _CF_ERROR)
        if error:
            return "error_text", f"trang báo “{quote_of(body, error)}”"
        if urlsplit(url).path.rstrip("/") in {p.rstrip("/") for p in HOME_PATHS}:
            return "home_page", "trang chủ của cổng, không phải dịch vụ"
        heading = _casefold(_first(_H1, body) + " " + _first(_TITLE, body))
        if any(p in heading for p in GATE_PHRASES):
            return "gate", f"trang “{_first(_H1, body) or _first(_TITLE, body)}” chắn trước dịch vụ"
        if "đăng nhập" in heading and (_PASSWORD_INPUT.search(body) or _SSO_FORM.search(body) or _SSO_LINK.search(body)):
            return "login", "dừng ở trang đăng nhập của cổng"
        code = link.code
        if code and (code in url or code in folded) or (link.name and _casefold(" ".join(link.name.split())) in folded):
            return OK, ""
        shown = _first(_H1, body) or _first(_TITLE, body)
        return "wrong_page", f"trang “{shown}” không phải của thủ tục {code}".replace("trang “” ", "trang ")

    @staticmethod
    def sso_entry(url: str, body: str) -> tuple[str, str] | None:
        """A portal's own login page that offers the national SSO: (method, URL) to press it."""
        m = _SSO_FORM.search(body)
        if m:
            method = "POST" if re.search(r"method=[\"']?post", m.group(0), re.I) else "GET"
            return method, urljoin(url, html.unescape(m.group(1)))
        m = _SSO_LINK.search(body)
        if m:
            return "GET", urljoin(url, html.unescape(m.group(1)))
        return None

    # -- one link
    async def _attempt(self, link: Link) -> tuple[str, str, int, str, int, bool]:
        """One try at a link: (class, detail, status, final URL, hops, sign-in failed)."""
        chain = _Chain()
        klass = url = None
        try:
            status, url, body, hops = await self._follow(link.url, "GET", None, chain)
            klass, detail = self.judge(link, status, url, body)
            if klass == "login" and origin(url) not in self.idp_hosts:
                entry = self.sso_entry(url, body)
                if entry:  # "Đăng nhập bằng VNeID": the session at the provider signs in silently
                    status, url, body, more = await self._follow(entry[1], entry[0], {} if entry[0] == "POST" else None, chain)
                    hops += more
                    klass, detail = self.judge(link, status, url, body)
            failed = self._sign_in_failed(chain)
            if failed:
                detail += " (đăng nhập qua nhà cung cấp định danh không thành công)"
            return klass, detail, status, url, hops, failed
        finally:
            warm = self._warmed(chain, klass, url)
            self._warm.update(warm)
            for key, lock in chain.held:
                lock.release()

    def _backoff(self, attempt: int, retry_after: str | None = None) -> float:
        opts = self.options
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), opts.max_backoff_s)
        return min(opts.backoff_s * (2 ** (attempt - 1)) * (1 + random.random() * 0.25), opts.max_backoff_s)

    async def check(self, link: Link, home_retries: int = 0) -> LinkResult:
        """A link, tried again with back-off for transient failures (``retries`` times);
        once more, at once, after a failed sign-in (the next try goes alone if the host is
        still cold); ``home_retries`` more times after a landing on the home page."""
        started = time.monotonic()
        result = LinkResult(link, "other", started=started)
        transient_left, sign_in_left, home_left, attempt = self.options.retries, 1, home_retries, 0
        while True:
            attempt += 1
            result.attempts = attempt
            try:
                klass, detail, status, url, hops, sign_in_failed = await self._attempt(link)
            except _Failure as failure:
                result.klass, result.detail, result.inferred = failure.klass, failure.detail, failure.inferred
                result.final_url, result.status, result.hops = failure.url, None, failure.hops
                if failure.transient and transient_left > 0:
                    transient_left -= 1
                    self.retried += 1
                    await asyncio.sleep(self._backoff(attempt))
                    continue
                break
            except Exception as error:  # noqa: BLE001 — one odd link never stops the sweep
                result.klass, result.detail = "other", f"{error.__class__.__name__}: {error}"
                break
            result.klass, result.detail, result.status, result.final_url, result.hops = klass, detail, status, url, hops
            if sign_in_failed and sign_in_left > 0:
                sign_in_left -= 1
                self.retried += 1
                self.sign_in_retried += 1
                continue
            if klass == "home_page" and home_left > 0:
                home_left -= 1
                self.retried += 1
                continue
            if klass == "http_5xx" and status in TRANSIENT_STATUS and transient_left > 0:
                transient_left -= 1
                self.retried += 1
                await asyncio.sleep(self._backoff(attempt))
                continue
            break
        result.elapsed_s = time.monotonic() - started
        return result

    async def _second_look(self, links: list[Link], results: list[LinkResult | None], indices: list[int]) -> None:
        """Links of one host that landed on its home page, looked at again one at a time
        (twice at most): a hand-off that only sometimes goes astray ("điều hướng không ổn
        định", e.g. every third time) leads to the service when asked alone, and is then
        ``ok`` and ``unstable``; one that always goes astray stays ``home_page``."""
        for i in indices:
            first = results[i]
            assert first is not None
            again = await self.check(links[i], home_retries=1)
            again.attempts += first.attempts
            again.elapsed_s += first.elapsed_s
            again.started = first.started
            if again.klass == OK:
                again.unstable = True
                again.detail = "lần đầu điều hướng về trang chủ, lần xem lại đến đúng dịch vụ"
            self.retried += 1
            results[i] = again

    async def run(self, links: list[Link], progress: Callable[[LinkResult], None] | None = None) -> list[LinkResult]:
        """Check every link; results in the order of ``links``. Links are interleaved across
        hosts so that the per-host limits, not the queue order, set the pace."""
        by_host: dict[str, deque[int]] = {}
        for i, link in enumerate(links):
            by_host.setdefault(origin(link.url), deque()).append(i)
        order: deque[int] = deque()
        queues = list(by_host.values())
        while queues:
            for q in queues:
                order.append(q.popleft())
            queues = [q for q in queues if q]
        results: list[LinkResult | None] = [None] * len(links)
        workers = max(1, min(len(links), self.options.max_in_flight, self.options.per_host * max(1, len(by_host))))

        async def worker() -> None:
            while order:
                i = order.popleft()
                results[i] = await self.check(links[i])
                if progress:
                    progress(results[i])

        await asyncio.gather(*(worker() for _ in range(workers)))
        homes: dict[str, list[int]] = {}
        for i, r in enumerate(results):
            if r is not None and r.klass == "home_page":
                homes.setdefault(origin(links[i].url), []).append(i)
        await asyncio.gather(*(self._second_look(links, results, indices) for indices in homes.values()))
        return [r for r in results if r is not None]


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)


# ------------------------------------------------------------------ sign-in without a browser

class _FormParser(HTMLParser):
    """Forms (action, method, inputs, buttons), links and labels of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.links: list[dict[str, str]] = []
        self.labels: dict[str, str] = {}
        self._text_target: dict[str, Any] | None = None
        self._label_for: str | None = None
        self._label_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").upper(),
                               "inputs": [], "buttons": []})
        elif tag in ("input", "select", "textarea") and self.forms:
            self.forms[-1]["inputs"].append({"name": a.get("name", ""), "id": a.get("id", ""),
                                             "type": a.get("type", tag).lower(), "value": a.get("value", ""),
                                             "placeholder": a.get("placeholder", ""),
                                             "aria": a.get("aria-label", "")})
            if tag == "input" and a.get("type", "").lower() == "submit" and self.forms:
                self.forms[-1]["buttons"].append({"text": a.get("value", ""), "name": a.get("name", ""),
                                                  "value": a.get("value", "")})
        elif tag == "button" and self.forms:
            button = {"text": "", "name": a.get("name", ""), "value": a.get("value", "")}
            self.forms[-1]["buttons"].append(button)
            self._text_target = button
        elif tag == "a":
            link = {"href": a.get("href", ""), "text": ""}
            self.links.append(link)
            self._text_target = link
        elif tag == "label":
            self._label_for, self._label_text = a.get("for", ""), []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("a", "button"):
            self._text_target = None
        elif tag == "label" and self._label_for is not None:
            self.labels[" ".join("".join(self._label_text).split())] = self._label_for
            self._label_for = None

    def handle_data(self, data: str) -> None:
        if self._text_target is not None:
            self._text_target["text"] = (self._text_target["text"] + data)
        if self._label_for is not None:
            self._label_text.append(data)


class SignInError(RuntimeError):
    pass


async def sign_in_with_steps(client: httpx.AsyncClient, steps: Iterable[Any], values: dict[str, Any]) -> str:
    """Play an environment's login steps (goto, click, fill, select, wait_for_text) with plain
    HTTP: a click on a link follows it, a click on a form's button posts the form with what
    was filled by label. Returns the URL signed in at; raises SignInError."""
    url, body = "", ""
    filled: dict[str, str] = {}

    def norm(s: str) -> str:
        return " ".join(s.split()).casefold()

    for action in steps:
        kind, value = action.kind, action.value
        if kind == "goto":
            response = await client.get(fill_template(str(value), values), follow_redirects=True)
            url, body, filled = str(response.url), response.text, {}
        elif kind in ("fill", "select"):
            label = fill_template(str(value.get("label", "")), values)
            filled[label] = fill_template(str(value.get("value", "")), values)
        elif kind == "click":
            wanted = norm(fill_template(str(value if not isinstance(value, dict) else value.get("text", "")), values))
            parser = _FormParser()
            parser.feed(body)
            form = _pick_form(parser, wanted, filled)
            if form is not None:
                data = {i["name"]: i["value"] for i in form["inputs"]
                        if i["name"] and i["type"] not in ("submit", "button", "file", "checkbox", "radio")}
                for label, text in filled.items():
                    name = _input_for(parser, form, label)
                    if name is None:
                        raise SignInError(f"không thấy ô “{label}” trên {url}")
                    data[name] = text
                target = urljoin(url, form["action"] or url)
                if form["method"] == "POST":
                    response = await client.post(target, data=data, follow_redirects=True)
                else:
                    response = await client.get(target, params=data, follow_redirects=True)
            else:
                link = next((l for l in parser.links if norm(l["text"]) == wanted), None)
                if link is None:
                    raise SignInError(f"không thấy “{wanted}” để bấm trên {url}")
                response = await client.get(urljoin(url, link["href"]), follow_redirects=True)
            url, body, filled = str(response.url), response.text, {}
            if response.status_code >= 400:
                raise SignInError(f"HTTP {response.status_code} tại {url}")
        elif kind == "wait_for_text":
            if norm(fill_template(str(value), values)) not in norm(page_text(body)):
                raise SignInError(f"không thấy “{fill_template(str(value), values)}” sau khi đăng nhập ({url})")
    return url


def _pick_form(parser: _FormParser, wanted: str, filled: dict[str, str]) -> dict[str, Any] | None:
    def norm(s: str) -> str:
        return " ".join(s.split()).casefold()
    candidates = [f for f in parser.forms if any(norm(b["text"]) == wanted for b in f["buttons"])]
    if filled:
        with_fields = [f for f in candidates if all(_input_for(parser, f, lbl) for lbl in filled)]
        candidates = with_fields or candidates
    elif candidates and any(norm(l["text"]) == wanted for l in parser.links):
        return None  # nothing filled and a link says the same: the link is the click
    return candidates[0] if candidates else None


def _input_for(parser: _FormParser, form: dict[str, Any], label: str) -> str | None:
    target_id = parser.labels.get(" ".join(label.split()))
    for i in form["inputs"]:
        if i["name"] and (target_id and i["id"] == target_id or label in (i["placeholder"], i["aria"])):
            return i["name"]
    return None


def load_storage_state(path: Path) -> httpx.Cookies:
    """Cookies of a Playwright storage-state JSON (a browser session, e.g. past a challenge)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    jar = httpx.Cookies()
    for c in data.get("cookies", []):
        jar.set(c["name"], c["value"], domain=c.get("domain", ""), path=c.get("path", "/"))
    return jar


# ------------------------------------------------------------------ catalog

def _full_online(entry: dict[str, Any]) -> bool:
    """A catalog entry with a "Nộp trực tuyến" link (a full reading marks the others
    ``toan_trinh: false`` and gives them no link)."""
    return entry.get("toan_trinh", True) is not False and bool(entry.get("handoff_url"))


def links_from_catalog(catalog: list[dict[str, Any]], units: Iterable[str] | None = None) -> list[Link]:
    """Links of a catalog shaped like the national portal's `/api/danh-muc`:
    ``[{"MaTTHC", "TenTTHC", "units": [{"unit", "name", "handoff_url"[, "toan_trinh"]}]}]``;
    entries without a full-online link are not links."""
    wanted = set(units) if units else None
    out = []
    for proc in catalog:
        for u in proc.get("units", []):
            if (wanted is None or u["unit"] in wanted) and _full_online(u):
                out.append(Link(unit=str(u["unit"]), unit_name=str(u.get("name") or u["unit"]),
                                code=str(proc.get("MaTTHC", "")), name=str(proc.get("TenTTHC", "")),
                                url=str(u["handoff_url"])))
    return out


@dataclass
class Listing:
    """What the national portal lists for a unit: its name, and how many procedures in all
    (None when the catalog said only the full-online ones: the total is not known)."""
    name: str
    listed: int | None


def listings_from_catalog(catalog: list[dict[str, Any]], units: Iterable[str] | None = None,
                          directory: list[dict[str, Any]] | None = None) -> dict[str, Listing]:
    """Per unit (in the catalog's order), the procedures the portal lists for it. The total
    is known when the catalog marks which entries are full-online (``toan_trinh``): units
    with no full-online link at all are there too. ``directory``: the portal's list of
    units (``/api/don-vi``: ``unit``, ``name``, ``tong_so_tthc``), which also names the
    units that list nothing at all; without a full catalog, its ``tong_so_tthc`` is the
    total."""
    wanted = set(units) if units else None
    codes: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    full = False
    for proc in catalog:
        for u in proc.get("units", []):
            full = full or "toan_trinh" in u
            uid = str(u["unit"])
            if wanted is not None and uid not in wanted:
                continue
            names.setdefault(uid, str(u.get("name") or uid))
            codes.setdefault(uid, set()).add(str(proc.get("MaTTHC", "")))
    out = {uid: Listing(names[uid], len(c) if full else None) for uid, c in codes.items()}
    for entry in directory or []:
        uid = str(entry.get("unit") or "")
        if not uid or wanted is not None and uid not in wanted:
            continue
        told = entry.get("tong_so_tthc")
        told = told if isinstance(told, int) and not isinstance(told, bool) else None
        listing = out.get(uid)
        if listing is None:   # lists nothing full-online (or nothing at all)
            out[uid] = Listing(str(entry.get("name") or uid), 0 if full else told)
        elif listing.listed is None:
            listing.listed = told
    return out


async def fetch_catalog(client: httpx.AsyncClient, national: str) -> list[dict[str, Any]]:
    """The national portal's catalog: every procedure it lists (``muc_do=tat_ca``) when it
    answers that, else the full-online ones (``/api/danh-muc`` as it always was)."""
    base = national.rstrip("/") + "/api/danh-muc"
    try:
        response = await client.get(base, params={"muc_do": "tat_ca"}, follow_redirects=True)
        if response.status_code == 200:
            data = response.json()
            if isinstance(data, list):
                return data
    except (httpx.HTTPError, ValueError):
        pass  # a portal without the full reading: the full-online catalog below
    response = await client.get(base, follow_redirects=True)
    response.raise_for_status()
    return response.json()


async def fetch_unit_directory(client: httpx.AsyncClient, national: str) -> list[dict[str, Any]] | None:
    """The national portal's list of units (``/api/don-vi``), or None when it has none."""
    try:
        response = await client.get(national.rstrip("/") + "/api/don-vi", follow_redirects=True)
        data = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return data if isinstance(data, list) and all(isinstance(e, dict) for e in data) else None


# ------------------------------------------------------------------ verdicts and records

def _rate(part: int, whole: int) -> str:
    return (f"{100 * part / whole:.1f}".replace(".", ",") + "%") if whole else "0%"


def _breakdown(counts: Counter[str], results: list[LinkResult] | None = None) -> str:
    parts = []
    for klass, n in counts.most_common():
        label = CLASS_LABELS.get(klass, klass)
        if klass == "error_text" and results:
            quotes = {r.detail for r in results if r.klass == klass}
            if len(quotes) == 1:
                label = quotes.pop().replace("trang báo", "báo", 1)
        if klass in ("http_4xx", "http_5xx") and results:
            codes = sorted({str(r.status) for r in results if r.klass == klass and r.status})
            if codes:
                label = ("báo lỗi HTTP " if klass == "http_4xx" else "lỗi máy chủ (HTTP ") + ", ".join(codes) \
                    + (")" if klass == "http_5xx" else "")
        parts.append(f"{n} {label}")
    return ", ".join(parts)


def _examples(results: list[LinkResult], klass: str, limit: int = 3) -> list[dict[str, Any]]:
    out = []
    for r in results:
        if r.klass == klass:
            out.append({"code": r.link.code, "url": r.link.url, "final_url": r.final_url,
                        "status": r.status, "detail": r.detail})
            if len(out) >= limit:
                break
    return out


def unit_summary(results: list[LinkResult], listed: int | None = None) -> dict[str, Any]:
    """The unit's catalog summary: listed (when known), declared vs working, failures by
    class with examples."""
    counts = Counter(r.klass for r in results)
    declared, working = len(results), counts.get(OK, 0)
    systems: Counter[str] = Counter(r.host for r in results if r.klass in LANDED_CLASSES and r.host)
    working_systems: Counter[str] = Counter(r.host for r in results if r.klass == OK and r.host)
    return {
        **({"listed": listed} if listed is not None else {}),
        "declared": declared, "working": working, "rate": _rate(working, declared),
        "failures": {k: {"label": CLASS_LABELS[k], "count": counts[k], "examples": _examples(results, k)}
                     for k in FAILURE_CLASSES if counts.get(k)},
        "unverified": {k: {"label": CLASS_LABELS[k], "count": counts[k], "examples": _examples(results, k)}
                       for k in UNVERIFIED_CLASSES if counts.get(k)},
        "systems": {host: {"landed": n, "working": working_systems.get(host, 0)} for host, n in systems.most_common()},
        "inferred": sum(1 for r in results if r.inferred),
        "unstable": sum(1 for r in results if r.unstable),
    }


def provided_verdict(unit_name: str, results: list[LinkResult], listed: int | None = None) -> Verdict:
    s = unit_summary(results, listed)
    declared, working = s["declared"], s["working"]
    failed = Counter({k: v["count"] for k, v in s["failures"].items()})
    unverified = Counter({k: v["count"] for k, v in s["unverified"].items()})
    evidence = {"catalog": s}
    if declared == 0:
        among = f"; Cổng DVCQG liệt kê {listed} TTHC của đơn vị, 0 TTHC có DVCTT toàn trình" if listed else ""
        return chua_dat(f"Chưa cung cấp DVCTT trên Cổng DVCQG (không có DVCTT toàn trình nào được công bố{among}).",
                        **evidence)
    gated = unverified.get("gate", 0)
    if not working and gated:
        # The links reach the unit's own system, which then imposes its own account or password:
        # the service is provided on the national portal; the gate is the single sign-on finding.
        return dat(f"Có cung cấp dịch vụ công trực tuyến trên Cổng Dịch vụ công quốc gia: {gated}/{declared} DVCTT "
                   "toàn trình đã công bố điều hướng đến hệ thống của đơn vị, nơi dừng ở trang đăng ký tài khoản hoặc "
                   "đổi mật khẩu riêng (xem tiêu chí đăng nhập 1 lần).", **evidence)
    if working:
        sentence = (f"Có cung cấp dịch vụ công trực tuyến trên Cổng Dịch vụ công quốc gia: {working}/{declared} "
                    f"DVCTT toàn trình đã công bố thực hiện được ({s['rate']})")
        if listed is not None and listed != declared:
            sentence += f", trên tổng số {listed} TTHC của đơn vị trên Cổng DVCQG ({_rate(working, listed)})"
        if s["unstable"]:
            sentence += (f"; trong đó {s['unstable']} DVCTT điều hướng không ổn định (lần đầu về trang chủ, "
                         f"lần xem lại đến đúng dịch vụ)")
        if failed:
            sentence += (f"; {sum(failed.values())} DVCTT đã công bố nhưng không thực hiện được "
                         f"({_breakdown(failed, results)})")
        if unverified:
            sentence += f"; {sum(unverified.values())} DVCTT không kiểm tra được ({_breakdown(unverified)})"
        return dat(sentence + ".", **evidence)
    if unverified:
        reason = f"trong {declared} DVCTT đã công bố, {_breakdown(unverified)}"
        if failed:
            reason += f"; {sum(failed.values())} không thực hiện được ({_breakdown(failed, results)})"
        return khong_kiem_tra_duoc(reason, **evidence)
    return chua_dat(f"Chưa cung cấp DVCTT trên Cổng DVCQG: không DVCTT nào trong số {declared} DVCTT toàn trình "
                    f"đã công bố thực hiện được ({_breakdown(failed, results)}).", **evidence)


def single_system_verdict(unit_name: str, results: list[LinkResult]) -> Verdict:
    s = unit_summary(results)
    systems = s["systems"]
    evidence = {"systems": systems, "declared": s["declared"], "working": s["working"]}
    if not systems:
        seen = Counter({k: v["count"] for k, v in {**s["failures"], **s["unverified"]}.items()})
        return khong_kiem_tra_duoc("không DVCTT nào đã công bố đến được hệ thống của đơn vị để xác định số hệ thống"
                                   + (f" ({_breakdown(seen, results)})" if seen else ""), **evidence)
    if len(systems) == 1:
        (host,) = systems
        return dat(f"Các DVCTT đã công bố được cung cấp trên 01 HTTT giải quyết TTHC duy nhất ({host}).", **evidence)
    listed = "; ".join(f"{host}: {v['landed']} DVCTT" for host, v in systems.items())
    return chua_dat(f"Vẫn còn nhiều Hệ thống khác nhau ngoài HTTT giải quyết TTHC: các DVCTT đã công bố được "
                    f"điều hướng tới {len(systems)} hệ thống ({listed}).", **evidence)


#: Classes meaning "the service handed over does not exist there" (the letter's
#: "Thủ tục hành chính không tồn tại hoặc đơn vị chưa đăng ký tiếp nhận online").
MISSING_CLASSES = ("error_text", "http_4xx")


def service_exists_verdict(unit_name: str, results: list[LinkResult]) -> Verdict:
    missing = [r for r in results if r.klass in MISSING_CLASSES]
    landed = [r for r in results if r.klass in LANDED_CLASSES or r.klass in MISSING_CLASSES]
    evidence = {"declared": len(results), "missing": len(missing),
                "examples": [{"code": r.link.code, "url": r.link.url, "status": r.status, "detail": r.detail}
                             for r in missing[:5]]}
    if not landed:
        return khong_kiem_tra_duoc("không DVCTT nào đã công bố đến được hệ thống của đơn vị", **evidence)
    if not missing:
        return dat(f"Các DVCTT đã công bố của {unit_name} đều có trên hệ thống được điều hướng tới.", **evidence)
    codes = ", ".join(r.link.code for r in missing[:5]) + (", ..." if len(missing) > 5 else "")
    return chua_dat(f"{len(missing)}/{len(results)} DVCTT đã công bố của {unit_name} được điều hướng tới dịch vụ "
                    f"không tồn tại hoặc đơn vị chưa đăng ký tiếp nhận online (mã TTHC {codes}).", **evidence)


def unit_record_of(unit_id: str, unit_name: str) -> dict[str, str]:
    from engine.config import load_units
    try:
        known = load_units()
    except Exception:  # noqa: BLE001
        known = {}
    if unit_id in known:
        return known[unit_id].as_record()
    return {"id": unit_id, "name": unit_name, "section": "khac"}


def write_records(run_dir: Path, results: list[LinkResult], *, known_personal: Iterable[str] = (),
                  unit_records: dict[str, dict[str, str]] | None = None,
                  listings: dict[str, Listing] | None = None) -> list[dict[str, Any]]:
    """Append the unit records (provided_on_portal, service_exists, single_system) and the
    per-link lines. ``listings``: what the national portal lists per unit; a unit listed
    there without any full-online link gets a provided_on_portal record alone (chưa đạt,
    0 of its total): there is nothing to follow for the other two."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    known = tuple(known_personal)
    listings = listings or {}
    by_unit: dict[str, list[LinkResult]] = {}
    for r in results:
        by_unit.setdefault(r.link.unit, []).append(r)
    for unit_id in listings:
        by_unit.setdefault(unit_id, [])
    with open(run_dir / LINKS_FILE, "a", encoding="utf-8") as handle:
        for r in results:
            handle.write(json.dumps(mask_record(r.as_line(), known), ensure_ascii=False, sort_keys=True) + "\n")
    unit_records = unit_records or {}
    written = []
    for unit_id, unit_results in by_unit.items():
        listing = listings.get(unit_id)
        listed = listing.listed if listing else None
        unit = unit_records.get(unit_id) or unit_record_of(
            unit_id, unit_results[0].link.unit_name if unit_results else (listing.name if listing else unit_id))
        name = unit.get("name") or unit_id
        start = min((r.started for r in unit_results), default=0.0)
        end = max((r.started + r.elapsed_s for r in unit_results), default=0.0)
        verdicts = [("provided_on_portal", provided_verdict(name, unit_results, listed))]
        if unit_results:
            verdicts += [("service_exists", service_exists_verdict(name, unit_results)),
                         ("single_system", single_system_verdict(name, unit_results))]
        for criterion, verdict in verdicts:
            record = {
                "run_id": run_dir.name, "item": f"sweep[{unit_id}]::{criterion}", "code": "", "procedure": "",
                "target": unit_id, "unit": unit, "criterion": criterion, "outcome": verdict.outcome,
                "sentence": verdict.sentence, "reason": verdict.reason, "evidence": verdict.evidence,
                "duration_s": round(end - start, 3),
                "finished_at": dt.datetime.now(TZ).isoformat(timespec="seconds"),
                "dry_run": False, "trace": None,
            }
            record = mask_record(record, known)
            results_io.append_result(run_dir, record)
            written.append(record)
    return written


# ------------------------------------------------------------------ running it

def default_user_agent(contact: str | None = None) -> str:
    return f"dvc-conformance/{VERSION} (+kiểm tra DVCTT; liên hệ: {contact or DEFAULT_CONTACT})"


class _KeepNoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie, request) -> bool:  # noqa: ANN001
        return False


def make_client(options: SweepOptions, cookies: httpx.Cookies | None = None, *,
                keep_cookies: bool = False) -> httpx.AsyncClient:
    """The HTTP client of a sweep: identifying headers, timeouts, no pool limit (the sweep
    limits per host itself), no redirects followed by httpx (the sweep follows them). Its
    own cookie jar keeps nothing (the Sweeper keeps the cookies) unless ``keep_cookies``
    (for signing in and reading the catalog)."""
    ua = options.user_agent or default_user_agent()
    if not keep_cookies:
        cookies = http.cookiejar.CookieJar(policy=_KeepNoCookies())
    # Header values are bytes on the wire; the Vietnamese words of the agent go as UTF-8.
    headers = {"User-Agent": ua.encode("utf-8"), "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
               "Accept-Language": "vi,en;q=0.5"}
    return httpx.AsyncClient(
        headers=headers, cookies=cookies, follow_redirects=False, trust_env=False, verify=options.verify_tls,
        timeout=httpx.Timeout(options.timeout_s, connect=min(options.connect_timeout_s, options.timeout_s)),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=512))


@dataclass
class SweepRun:
    results: list[LinkResult]
    records: list[dict[str, Any]]
    elapsed_s: float
    requests: int
    retried: int
    sign_in: str
    listings: dict[str, Listing] = field(default_factory=dict)


async def sweep_environment(env: Any, run_dir: Path | None, options: SweepOptions, *,
                            storage_state: Path | None = None, catalog: list[dict[str, Any]] | None = None,
                            units: Iterable[str] | None = None, citizens: dict[str, dict[str, str]] | None = None,
                            progress: Callable[[LinkResult], None] | None = None) -> SweepRun:
    """Sign in (saved session, or the environment's login steps), read the catalog, check
    every link, write the records (when ``run_dir`` is given)."""
    from engine.config import load_citizens, personal_strings
    citizens = citizens if citizens is not None else load_citizens()
    state = storage_state or (env.storage_state if getattr(env, "storage_state", None) else None)
    cookies = load_storage_state(state) if state and Path(state).exists() else None
    if state and cookies is None:
        raise SignInError(f"không có phiên đăng nhập đã lưu tại {state}")
    async with make_client(options, cookies, keep_cookies=True) as client:
        sign_in = f"phiên đã lưu {state}" if cookies is not None else "không đăng nhập"
        if cookies is None and env.login_steps:
            citizen = citizens.get(env.login_citizen)
            if citizen is None:
                raise SignInError(f"không có công dân thử nghiệm {env.login_citizen!r}")
            values = {"national": env.national, "idp": env.idp, "citizen": citizen}
            await sign_in_with_steps(client, env.login_steps, values)
            sign_in = f"đăng nhập qua biểu mẫu của nhà cung cấp định danh ({env.login_citizen})"
        directory = None
        if catalog is None:   # a catalog given by hand stands alone: the portal's units are not asked
            catalog = await fetch_catalog(client, env.national)
            directory = await fetch_unit_directory(client, env.national)
        links = links_from_catalog(catalog, units)
        listings = listings_from_catalog(catalog, units, directory)
        own = {uid: {origin(url)} for uid, url in env.units.items()}
        for link in links:   # units the environment does not name: their most common link host
            if link.unit not in own:
                hosts = Counter(origin(l.url) for l in links if l.unit == link.unit)
                own[link.unit] = {hosts.most_common(1)[0][0]}
        foreign = {host: uid for uid, hosts in own.items() for host in hosts}
        jar = client.cookies
    async with make_client(options) as client:
        sweeper = Sweeper(client, options, cookies=jar, own_hosts=own, foreign=foreign,
                          idp_hosts=[origin(env.idp)] if env.idp else [], national_hosts=[origin(env.national)])
        started = time.monotonic()
        results = await sweeper.run(links, progress)
        elapsed = time.monotonic() - started
    records = []
    if run_dir is not None:
        records = write_records(run_dir, results, known_personal=personal_strings(citizens), listings=listings)
    return SweepRun(results, records, elapsed, sum(sweeper.requests.values()), sweeper.retried, sign_in, listings)


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " giây"


def summary_lines(run: SweepRun, options: SweepOptions) -> list[str]:
    by_unit: dict[str, list[LinkResult]] = {}
    for r in run.results:
        by_unit.setdefault(r.link.unit, []).append(r)
    for unit_id in run.listings:   # units listed without any full-online link
        by_unit.setdefault(unit_id, [])
    n = len(run.results)
    rate = n / run.elapsed_s if run.elapsed_s else 0.0
    lines = [f"Quét danh mục: {n} đường dẫn “Nộp trực tuyến” của {len(by_unit)} đơn vị trong {_seconds(run.elapsed_s)} "
             f"({f'{rate:.1f}'.replace('.', ',')} đường dẫn/giây; {run.requests} yêu cầu, {run.retried} lần thử lại; "
             f"tối đa {options.per_host} yêu cầu đồng thời mỗi máy chủ; {run.sign_in})."]
    for unit_id, results in by_unit.items():
        listing = run.listings.get(unit_id)
        s = unit_summary(results, listing.listed if listing else None)
        bad = Counter({k: v["count"] for k, v in {**s["failures"], **s["unverified"]}.items()})
        line = f"  {unit_id}: {s['working']}/{s['declared']} DVCTT thực hiện được ({s['rate']})"
        if "listed" in s:
            line += f"; tổng số TTHC trên Cổng DVCQG: {s['listed']}"
        if bad:
            line += f"; {_breakdown(bad, results)}"
        line += f"; {len(s['systems'])} hệ thống"
        lines.append(line)
    outcomes: dict[str, Counter[str]] = {}
    for record in run.records:
        outcomes.setdefault(record["criterion"], Counter())[record["outcome"]] += 1
    from engine.verdict import OUTCOME_LABELS
    for criterion, counts in outcomes.items():
        lines.append(f"{criterion}: " + ", ".join(f"{counts[o]} {OUTCOME_LABELS[o]}" for o in OUTCOME_LABELS if counts.get(o)))
    return lines


def _environment_sweep_settings(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    settings = data.get("sweep") if isinstance(data, dict) else None
    return settings if isinstance(settings, dict) else {}


def _sandbox_alive(urls: dict[str, Any] | None) -> bool:
    """A sandbox URLs file whose process still runs (a stale file names a dead one)."""
    if not urls:
        return False
    try:
        os.kill(int(urls.get("pid", 0)), 0)
    except (OSError, ValueError, TypeError):
        return False
    return bool(urls.get("pid"))


def main(argv: list[str] | None = None) -> int:
    """``dvc-conformance sweep``: 0 every judged criterion conforms, 1 some unit does not,
    2 the sweep could not run."""
    from engine.config import DEFAULT_ENVIRONMENT, SANDBOX_URLS_VARIABLE, environment_uses_sandbox, \
        load_environment, sandbox_addresses
    parser = argparse.ArgumentParser(prog="dvc-conformance sweep", description=(
        "Quét danh mục: theo đường dẫn “Nộp trực tuyến” của mọi DVCTT mỗi đơn vị công bố trên Cổng DVCQG "
        "và đánh giá provided_on_portal, single_system."))
    parser.add_argument("--env", default=str(DEFAULT_ENVIRONMENT), help="tệp môi trường (config/environments/*.yaml)")
    parser.add_argument("--run-dir", help="thư mục kết quả (mặc định reports/runs/<ngày-giờ>)")
    parser.add_argument("--per-host", type=int, help="số yêu cầu đồng thời tối đa mỗi máy chủ "
                                                     "(mặc định 4 trên hệ thống thử nghiệm, 2 trên cổng thật)")
    parser.add_argument("--storage-state", type=Path, help="cookie của một phiên trình duyệt (JSON storage state của "
                                                           "Playwright) để qua trang chống bot / SSO")
    parser.add_argument("--catalog", type=Path, help="danh mục dạng JSON như /api/danh-muc, thay cho API của Cổng DVCQG")
    parser.add_argument("--unit", action="append", default=[], help="chỉ quét đơn vị này (lặp lại được)")
    parser.add_argument("--timeout", type=float, help="giây chờ mỗi yêu cầu (mặc định 15)")
    parser.add_argument("--retries", type=int, help="số lần thử lại khi lỗi tạm thời (mặc định 2)")
    parser.add_argument("--contact", help=f"địa chỉ liên hệ trong User-Agent (hoặc biến {CONTACT_VARIABLE}, "
                                          "hoặc sweep.contact trong tệp môi trường)")
    parser.add_argument("--user-agent", help="User-Agent thay cho mặc định")
    parser.add_argument("--no-report", action="store_true", help="không dựng lại báo cáo HTML/JSON của thư mục kết quả")
    args = parser.parse_args(argv)

    settings = _environment_sweep_settings(Path(args.env))
    process = None
    previous_urls = os.environ.get(SANDBOX_URLS_VARIABLE)
    try:
        if environment_uses_sandbox(args.env) and not _sandbox_alive(sandbox_addresses()):
            from engine.config import sandbox_start_args
            from engine.sandbox_process import SandboxProcess, export_urls
            process = SandboxProcess(extra_args=sandbox_start_args(args.env))
            process.start()
            export_urls(process, SANDBOX_URLS_VARIABLE)
        env = load_environment(args.env)
    except Exception as error:  # noqa: BLE001
        print(f"dvc-conformance sweep: {error}", file=sys.stderr)
        _stop_sandbox(process, previous_urls)
        return 2
    try:
        contact = args.contact or os.environ.get(CONTACT_VARIABLE) or settings.get("contact")
        if not contact and not env.test_system:
            print("dvc-conformance sweep: cảnh báo: chưa khai báo địa chỉ liên hệ (--contact, "
                  f"{CONTACT_VARIABLE} hoặc sweep.contact) — các cổng thật nên biết ai đang kiểm tra",
                  file=sys.stderr)
        options = SweepOptions(
            per_host=args.per_host or int(settings.get("per_host", 4 if env.test_system else 2)),
            timeout_s=args.timeout or float(settings.get("timeout_s", 15.0)),
            retries=args.retries if args.retries is not None else int(settings.get("retries", 2)),
            user_agent=args.user_agent or settings.get("user_agent") or default_user_agent(contact))
        if not args.run_dir:
            stamp = dt.datetime.now(TZ).strftime("%Y%m%d-%H%M%S")
            args.run_dir = str(ROOT / "reports" / "runs" / stamp)
        run_dir = Path(args.run_dir)
        catalog = json.loads(args.catalog.read_text(encoding="utf-8")) if args.catalog else None
        try:
            run = asyncio.run(sweep_environment(env, run_dir, options, storage_state=args.storage_state,
                                                catalog=catalog, units=args.unit or None))
        except (SignInError, httpx.HTTPError, OSError, ValueError) as error:
            hint = ("" if catalog is not None else
                    f" (danh mục đọc từ {env.national}/api/danh-muc; cổng không có API này thì dùng --catalog TỆP)")
            print(f"dvc-conformance sweep: không quét được: {error}{hint}", file=sys.stderr)
            return 2
        for line in summary_lines(run, options):
            print(line)
        if not args.no_report:
            from engine.config import load_citizens, personal_strings
            from engine.report import build_reports
            paths = build_reports(run_dir, known=personal_strings(load_citizens()))
            print(f"Kết quả: {run_dir / results_io.RESULTS_FILE}; từng đường dẫn: {run_dir / LINKS_FILE}; "
                  f"báo cáo: {paths['html']}")
        else:
            print(f"Kết quả: {run_dir / results_io.RESULTS_FILE}; từng đường dẫn: {run_dir / LINKS_FILE}")
        return 1 if any(r["outcome"] == CHUA_DAT for r in run.records) else 0
    finally:
        _stop_sandbox(process, previous_urls)


def _stop_sandbox(process: Any, previous_urls: str | None) -> None:
    """Stop the sandbox this command started, and point the variable back where it was."""
    from engine.config import SANDBOX_URLS_VARIABLE
    if process is None:
        return
    process.stop()
    if previous_urls is None:
        os.environ.pop(SANDBOX_URLS_VARIABLE, None)
    else:
        os.environ[SANDBOX_URLS_VARIABLE] = previous_urls


if __name__ == "__main__":
    sys.exit(main())
