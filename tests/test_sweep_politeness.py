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
