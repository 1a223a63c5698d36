"""The sweep's politeness and judging, against tiny threaded HTTP servers on loopback
addresses that count what reaches them (no sandbox needed)."""
from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.sweep import Link, Sweeper, SweepOptions, default_user_agent, make_client, origin, provided_verdict

PAGE = "<html><head><title>{title}</title></head><body><h1>{title}</h1><p>Mã thủ tục: 1.000001</p></body></html>"


class Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, delay: float = 0.0):
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.hits: Counter[str] = Counter()
        self.arrivals: list[int] = []   # requests in flight as each one arrives (itself included)
        self.agents: list[bytes] = []
        self.delay = delay
        super().__init__((host, 0), Handler)

    def handle_error(self, request, client_address) -> None:
        pass  # a client that timed out and left (the /slow path): nothing to report

    @property
    def base(self) -> str:
        return f"http://{self.server_address[0]}:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Counting

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        srv = self.server
        path = self.path.split("?")[0]
        with srv.lock:
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
            srv.arrivals.append(srv.in_flight)
            srv.hits[path] += 1
            n = srv.hits[path]
            srv.agents.append(self.headers.get("User-Agent", "").encode("latin-1", "replace"))
        try:
            if srv.delay:
                time.sleep(srv.delay)
            if path == "/reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return
            if path == "/slow":
                time.sleep(1.0)
            if path == "/flaky" and n % 3 == 0:   # every third hand-off goes astray
                return self._redirect("/")
            if path == "/always-home":
                return self._redirect("/")
            if path == "/loop-a":
                return self._redirect("/loop-b")
            if path == "/loop-b":
                return self._redirect("/loop-a")
            status = {"/503": 503, "/404": 404, "/500": 500, "/502-once": 502 if n == 1 else 200}.get(path, 200)
            title = "Just a moment..." if path == "/challenge" else "Cấp giấy phép thử"
            body = PAGE.format(title=title).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with srv.lock:
                srv.in_flight -= 1

    def _redirect(self, to: str) -> None:
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def servers():
    started = []

    def start(host: str, delay: float = 0.0) -> Counting:
        srv = Counting(host, delay)
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def sweep(links: list[Link], **options) -> tuple[list, Sweeper]:
    opts = SweepOptions(**{"timeout_s": 3.0, "backoff_s": 0.01, **options})

    async def go():
        async with make_client(opts) as client:
            sweeper = Sweeper(client, opts)
            return await sweeper.run(links), sweeper

    # In a thread of its own: a Playwright session of another test may own this thread's loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def link(base: str, path: str, unit: str = "u") -> Link:
    return Link(unit=unit, unit_name=unit, code="1.000001", name="Cấp giấy phép thử", url=base + path)


def test_per_host_limit_counted_at_the_server(servers):
    a, b = servers("127.0.0.61", delay=0.1), servers("127.0.0.62", delay=0.1)
    links = [link(a.base, f"/dvc?i={i}") for i in range(24)] + [link(b.base, f"/dvc?i={i}") for i in range(24)]
    started = time.monotonic()
    results, _ = sweep(links, per_host=3)
    assert {r.klass for r in results} == {"ok"}
    assert a.max_in_flight == 3 and b.max_in_flight == 3      # reached, never passed
    # both hosts were served side by side: well under 48 links × 0.1 s one at a time
    assert time.monotonic() - started < 48 * 0.1 / 2


def test_first_request_to_a_host_goes_alone(servers):
    a = servers("127.0.0.63", delay=0.2)
    sweep([link(a.base, f"/dvc?i={i}") for i in range(8)], per_host=4)
    assert a.hits["/dvc"] == 8 and a.max_in_flight == 4
    # the first request was alone (a sign-in is not raced); the second came after it ended
    assert a.arrivals[:2] == [1, 1]


def test_retries_only_for_transient_failures(servers):
    a = servers("127.0.0.64")
    links = [link(a.base, p) for p in ("/503", "/404", "/500", "/502-once", "/slow", "/reset")]
    results, sweeper = sweep(links, retries=2, timeout_s=0.3)
    got = {r.link.url.rsplit("/", 1)[1]: r for r in results}
    assert a.hits["/503"] == 3 and got["503"].klass == "http_5xx" and got["503"].attempts == 3
    assert a.hits["/404"] == 1 and got["404"].klass == "http_4xx" and got["404"].attempts == 1
    assert a.hits["/500"] == 1 and got["500"].klass == "http_5xx"
    assert a.hits["/502-once"] == 2 and got["502-once"].klass == "ok"
    assert a.hits["/slow"] == 3 and got["slow"].klass == "timeout"
    assert a.hits["/reset"] == 3 and got["reset"].klass == "reset"


def test_breaker_leaves_a_failing_host_alone(servers):
    a = servers("127.0.0.65")
    results, _ = sweep([link(a.base, "/reset") for _ in range(12)], per_host=1, retries=0, breaker_after=3)
    assert a.hits["/reset"] == 3
    assert {r.klass for r in results} == {"reset"}
    assert sum(r.inferred for r in results) == 9


def test_redirect_loop_challenge_and_agent(servers):
    a = servers("127.0.0.66")
    results, _ = sweep([link(a.base, "/loop-a"), link(a.base, "/challenge")],
                       user_agent=default_user_agent("kiemtra@example.vn"))
    got = {r.link.url.rsplit("/", 1)[1]: r for r in results}
    assert got["loop-a"].klass == "redirect_loop"
    assert got["challenge"].klass == "challenge" and got["challenge"].status == 200
    assert a.hits["/loop-a"] + a.hits["/loop-b"] <= 6
    agent = a.agents[0].decode("utf-8")
    assert agent == "dvc-conformance/0.1 (+kiểm tra DVCTT; liên hệ: kiemtra@example.vn)"
    assert provided_verdict("u", [got["challenge"]]).outcome == "khong_kiem_tra_duoc"


def test_judging_pages():
    sw = Sweeper(None, own_hosts={"a": {"127.0.0.70:80"}}, foreign={"127.0.0.70:80": "a", "127.0.0.71:80": "b"},
                 idp_hosts=["127.0.0.3:80"])
    proc = Link("a", "A", "1.000001", "Cấp giấy phép thử", "http://127.0.0.70/dvc/tiep-nhan")

    def judge(url: str, body: str, status: int = 200) -> str:
        return sw.judge(proc, status, url, body)[0]

    form = "<h1>Cấp giấy phép thử</h1><p>Mã thủ tục: 1.000001</p>"
    assert judge("http://127.0.0.70/dvc/1.000001/buoc-1", form) == "ok"
    assert judge("http://127.0.0.1:9/dich-vu", form) == "ok"              # a system of its own, elsewhere
    assert judge("http://127.0.0.71/dvc/1.000001/buoc-1", form) == "other_unit"
    assert judge("http://127.0.0.70/", "<h1>Cổng</h1>1.000001 — Cấp giấy phép thử") == "home_page"
    assert judge("http://127.0.0.70/x", "<p>Thủ tục hành chính không tồn tại hoặc đơn vị chưa đăng ký tiếp nhận online</p>") == "error_text"
    assert judge("http://127.0.0.70/x", "<title>Just a moment...</title>", 503) == "challenge"
    assert judge("http://127.0.0.3/dang-nhap", "<h1>Đăng nhập</h1><input type=password>") == "login"
    assert judge("http://127.0.0.70/dang-ky-tai-khoan", "<h1>Đăng ký tài khoản</h1>") == "gate"
    assert judge("http://127.0.0.70/tin-tuc", "<h1>Tin tức</h1>") == "wrong_page"
    assert origin("https://Example.vn/a") == "example.vn:443"


# ------------------------------------------------------------------ sign-in race

class SignInPortal(ThreadingHTTPServer):
    """A unit portal that signs in through an identity provider the way the sandbox's do:
    the hand-off keeps the OIDC state in the session cookie (the next hand-off's cookie
    overwrites it), the callback refuses a state the cookie does not hold (400). ``/home``
    links go to the home page without signing in; the first ``fail_callbacks`` callbacks
    are refused whatever they carry (a provider's hiccup)."""
    daemon_threads = True

    def __init__(self, host: str, idp: str = "", fail_callbacks: int = 0):
        self.lock = threading.Lock()
        self.idp = idp
        self.fail_callbacks = fail_callbacks
        self.hits: Counter[str] = Counter()
        self.callbacks: list[int] = []     # status of every callback
        self.handoffs_in_flight = 0        # hand-offs begun whose sign-in has not come back
        self.max_handoffs_in_flight = 0
        self.n = 0
        super().__init__((host, 0), PortalHandler)

    @property
    def base(self) -> str:
        return f"http://{self.server_address[0]}:{self.server_address[1]}"


class PortalHandler(BaseHTTPRequestHandler):
    server: SignInPortal

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: str = "", location: str | None = None, cookie: str | None = None) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if cookie is not None:
            self.send_header("Set-Cookie", f"sess={cookie}; Path=/")
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        from urllib.parse import parse_qs, quote, urlsplit
        srv = self.server
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        cookie = ""
        for piece in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = piece.strip().partition("=")
            if name == "sess":
                cookie = value
        with srv.lock:
            srv.hits[parts.path] += 1
        if parts.path == "/":
            return self._send(200, "<h1>Cổng Dịch vụ công</h1><p>Trang chủ</p>")
        if parts.path == "/home":
            return self._send(302, location="/")
        if parts.path == "/dvc":
            if cookie == "user":
                return self._send(200, PAGE.format(title="Cấp giấy phép thử"))
            with srv.lock:
                srv.n += 1
                state = f"s{srv.n}"
                srv.handoffs_in_flight += 1
                srv.max_handoffs_in_flight = max(srv.max_handoffs_in_flight, srv.handoffs_in_flight)
            back = quote(f"{self.server.base}/callback?state={state}", safe="")
            return self._send(302, location=f"{srv.idp}/authorize?redirect={back}", cookie=f"state-{state}")
        if parts.path == "/callback":
            time.sleep(0.05)   # the code exchange: long enough for a racing hand-off to overwrite the cookie
            with srv.lock:
                srv.handoffs_in_flight -= 1
                refused = srv.fail_callbacks > 0 or cookie != f"state-{query.get('state')}"
                srv.fail_callbacks -= 1 if srv.fail_callbacks > 0 else 0
                srv.callbacks.append(400 if refused else 302)
            if refused:
                return self._send(400, "<h1>Đăng nhập không thành công</h1>")
            return self._send(302, location="/dvc", cookie="user")
        self._send(404, "<p>Không tìm thấy trang</p>")


class IdpHandler(BaseHTTPRequestHandler):
    """The identity provider, already signed in: /authorize sends straight back."""

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        from urllib.parse import parse_qs, urlsplit
        time.sleep(0.02)
        back = parse_qs(urlsplit(self.path).query).get("redirect", ["/"])[0]
        self.send_response(302)
        self.send_header("Location", back)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def federation():
    started = []

    def start(portal_host: str, idp_host: str, fail_callbacks: int = 0) -> tuple[SignInPortal, str]:
        idp = ThreadingHTTPServer((idp_host, 0), IdpHandler)
        idp.daemon_threads = True
        idp_base = f"http://{idp_host}:{idp.server_address[1]}"
        portal = SignInPortal(portal_host, idp_base, fail_callbacks)
        for srv in (idp, portal):
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            started.append(srv)
        return portal, idp_base

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


def sweep_signed_in(links: list[Link], idp_base: str, **options) -> tuple[list, Sweeper]:
    opts = SweepOptions(**{"timeout_s": 3.0, "backoff_s": 0.01, **options})

    async def go():
        async with make_client(opts) as client:
            sweeper = Sweeper(client, opts, idp_hosts=[origin(idp_base)])
            return await sweeper.run(links), sweeper

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def test_a_home_page_does_not_warm_the_host_sign_ins_are_not_raced(federation):
    """The first link lands on the home page without signing in: the host stays cold, so
    the next links still go one at a time until one has signed in; then they go side by
    side, and none meets a refused callback."""
    portal, idp = federation("127.0.0.67", "127.0.0.68")
    links = [link(portal.base, "/home")] + [link(portal.base, f"/dvc?i={i}") for i in range(16)]
    results, sweeper = sweep_signed_in(links, idp, per_host=4)
    got = Counter(r.klass for r in results)
    assert got == {"home_page": 1, "ok": 16}, [(r.link.url, r.klass, r.detail) for r in results if r.klass != "ok"]
    assert portal.callbacks == [302]                     # one sign-in, never two at once
    assert portal.max_handoffs_in_flight == 1
    assert sweeper.sign_in_retried == 0


def test_a_refused_sign_in_is_tried_once_more(federation):
    portal, idp = federation("127.0.0.69", "127.0.0.72", fail_callbacks=1)
    results, sweeper = sweep_signed_in([link(portal.base, f"/dvc?i={i}") for i in range(6)], idp, per_host=4)
    assert {r.klass for r in results} == {"ok"}
    assert portal.callbacks == [400, 302] and sweeper.sign_in_retried == 1
    assert sorted(r.attempts for r in results) == [1, 1, 1, 1, 1, 2]


def test_a_sign_in_refused_twice_gives_up(federation):
    portal, idp = federation("127.0.0.73", "127.0.0.74", fail_callbacks=100)
    results, sweeper = sweep_signed_in([link(portal.base, f"/dvc?i={i}") for i in range(3)], idp, per_host=4)
    assert {r.klass for r in results} == {"http_4xx"}
    assert all(r.attempts == 2 and "không thành công" in r.detail for r in results)
    assert portal.callbacks == [400] * 6                 # each link: one try and one more, one at a time
    assert portal.max_handoffs_in_flight == 1


def test_a_cold_host_that_never_answers_is_left_alone_soon(servers):
    """Links of a host not yet signed in go one at a time; one that only times out is not
    asked more than the breaker allows (a link waiting for its turn checks it too)."""
    a = servers("127.0.0.75")
    started = time.monotonic()
    results, _ = sweep([link(a.base, "/slow") for _ in range(12)], per_host=4, retries=0, timeout_s=0.3,
                       breaker_after=3)
    assert {r.klass for r in results} == {"timeout"}
    assert a.hits["/slow"] <= 3 + 1 and sum(r.inferred for r in results) >= 8
    assert time.monotonic() - started < 6


def test_home_page_landings_are_looked_at_again_one_at_a_time(servers):
    a = servers("127.0.0.76")
    links = [link(a.base, "/flaky") for _ in range(12)] + [link(a.base, "/always-home") for _ in range(2)]
    results, _ = sweep(links, per_host=4)
    flaky, home = results[:12], results[12:]
    assert {r.klass for r in flaky} == {"ok"}
    # the first pass: 4 of 12 astray; looked at again alone, each reaches the service within two tries
    assert sum(r.unstable for r in flaky) == 4 and all(r.attempts in (2, 3) for r in flaky if r.unstable)
    assert {r.klass for r in home} == {"home_page"} and all(r.attempts == 3 and not r.unstable for r in home)
    assert a.hits["/always-home"] == 6
