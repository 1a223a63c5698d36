"""Closing a page never hangs the run: a page whose navigation is still waiting for a slow
portal, a page already closed, a context. Real Chromium, a real loopback server."""
from __future__ import annotations

import http.server
import threading
import time

import pytest

from engine.browser import close_quietly


class SlowHandler(http.server.BaseHTTPRequestHandler):
    """Answers /slow after 3 s (a slow screen of a portal), anything else at once."""

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(3)
        body = b"<!doctype html><title>t</title><form method=post action=/slow><button>Tiep</button></form>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def slow_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_page_mid_navigation_closes_within_bounds(browser, slow_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(slow_server + "/")
    page.get_by_role("button").click(no_wait_after=True)  # the form posts; the portal takes 3 s
    started = time.monotonic()
    close_quietly(page)
    close_quietly(context)  # whatever survived the page's close goes with its context
    assert time.monotonic() - started < 10
    assert page.is_closed()


def test_closing_what_is_closed_is_harmless(browser, slow_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(slow_server + "/")
    close_quietly(page)
    close_quietly(page)
    close_quietly(context)
    close_quietly(context)
    assert page.is_closed()
