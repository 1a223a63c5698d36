"""Real portals: a saved session, made by hand once and checked at the start of every run.

On the real federation the identity provider signs in by QR code, which no robot may
do. ``dvc-conformance login --env ENV`` opens a visible browser at the national portal,
the tester signs in, and the browser's storage state (cookies, local storage) is saved to
the environment's ``login.storage_state`` path — outside the repository, mode 600.

Every run then starts by opening ``login.check.goto`` with that state and looking for
``login.check.text`` (e.g. "Đăng xuất", shown only to a signed-in citizen). A missing or
expired session stops the run before any item, with one message, instead of a night of
false "chưa đạt".
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from engine.config import Environment

ROOT = Path(__file__).resolve().parent.parent
CHECK_TIMEOUT_S = 15
TEXT_GRACE_S = 3  # after the page settled, how long the signed-in text may take to show
#: pytest's exit status when the saved session of a real portal is missing or expired
#: (pytest's own codes stop at 5; ``dvc-conformance run`` turns it into its exit code 3).
SESSION_EXIT_STATUS = 13


class SessionError(Exception):
    """The saved session cannot be used. ``kind`` is "missing", "expired" or "unreachable"."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _values(environment: Environment) -> dict[str, Any]:
    return {"national": environment.national, "idp": environment.idp or ""}


def check_url(environment: Environment) -> str:
    from engine.phrases import fill_template
    return fill_template(environment.login_check.get("goto") or "{national}/", _values(environment))


def _relogin_hint(environment: Environment) -> str:
    return f"đăng nhập lại bằng: dvc-conformance login --env {environment.source}"


def inside_repository(path: Path) -> bool:
    try:
        Path(os.path.abspath(os.path.expanduser(path))).resolve().relative_to(ROOT.resolve())
        return True
    except ValueError:
        return False


def session_problem(browser, environment: Environment, context_args: dict | None = None,
                    timeout_s: float = CHECK_TIMEOUT_S) -> SessionError | None:
    """None when the environment's saved session is signed in at the check page; else why not.
    Environments without ``login.storage_state`` (the sandbox logs in by steps) pass."""
    path = environment.storage_state
    if path is None:
        return None
    if not path.exists():
        return SessionError("missing", f"Chưa có phiên đăng nhập đã lưu tại {path}; {_relogin_hint(environment)}. "
                                       "Lần chạy dừng lại trước khi kiểm tra đơn vị nào.")
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state, dict):
            raise ValueError("không phải một đối tượng JSON")
    except (OSError, ValueError) as error:
        return SessionError("missing", f"Tệp phiên đăng nhập {path} không đọc được ({error}); "
                                       f"{_relogin_hint(environment)}. Lần chạy dừng lại trước khi kiểm tra đơn vị nào.")
    text = environment.login_check.get("text")
    if not text:
        return None  # nothing to look for: the journeys will tell
    url = check_url(environment)
    from playwright.sync_api import Error as PlaywrightError
    context = browser.new_context(storage_state=state, **(context_args or {}))
    try:
        page = context.new_page()
        try:
            page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        except PlaywrightError as error:
            first = str(error).splitlines()[0] if str(error) else error.__class__.__name__
            return SessionError("unreachable", f"Không mở được {url} để kiểm tra phiên đăng nhập ({first}). "
                                               "Lần chạy dừng lại trước khi kiểm tra đơn vị nào.")
        try:  # a portal that draws its header with script: let it settle, within bounds
            page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
        except PlaywrightError:
            pass
        try:
            page.get_by_text(text).first.wait_for(state="visible", timeout=TEXT_GRACE_S * 1000)
        except PlaywrightError:
            return SessionError("expired", f"Phiên đăng nhập đã lưu tại {path} đã hết hạn hoặc không còn hiệu lực: "
                                           f"trang {url} không hiện \"{text}\". Hãy {_relogin_hint(environment)}, rồi chạy lại. "
                                           "Lần chạy dừng lại trước khi kiểm tra đơn vị nào, không ghi kết quả "
                                           "\"chưa đạt\" nào.")
        return None
    finally:
        context.close()


def connect_or_launch(playwright, *, cdp_endpoint: str | None = None, ws_endpoint: str | None = None,
                      headless: bool = True, browser_name: str = "chromium"):
    """A browser as the run gets it: from a remote endpoint when one is given, else launched
    on this machine (system Chromium where Playwright has none)."""
    if cdp_endpoint:
        return playwright.chromium.connect_over_cdp(cdp_endpoint)
    browser_type = getattr(playwright, browser_name)
    if ws_endpoint:
        return browser_type.connect(ws_endpoint)
    from engine.browser import launch_overrides
    return browser_type.launch(headless=headless, **launch_overrides(headless))


def verify_saved_session(environment: Environment, **browser_options) -> None:
    """Raise SessionError when the saved session is missing or expired (own Playwright
    instance: it runs before pytest-playwright starts its own)."""
    path = environment.storage_state
    if path is None:
        return
    if not path.exists():  # no browser needed to say so
        raise session_problem(None, environment)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        try:
            browser = connect_or_launch(playwright, **browser_options)
        except PlaywrightError as error:
            raise SessionError("unreachable", f"Không có trình duyệt để kiểm tra phiên đăng nhập: "
                                              f"{str(error).splitlines()[0]}") from None
        try:
            problem = session_problem(browser, environment)
        finally:
            browser.close()
    if problem is not None:
        raise problem


def save_storage_state(context, path: Path) -> None:
    """Write the context's storage state to ``path`` with mode 600 (its folder 700 when new)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    state = context.storage_state()
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(state, ensure_ascii=False).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(temporary, 0o600)
    temporary.replace(path)
    os.chmod(path, 0o600)


def _watch_stdin(pressed: threading.Event) -> None:
    """Set ``pressed`` when the tester presses Enter (end of input is not a key press)."""
    try:
        line = sys.stdin.readline()
    except (OSError, ValueError):
        return
    if line:
        pressed.set()


def interactive_login(environment: Environment, *, headless: bool = False, timeout_s: float = 900,
                      say: Callable[[str], None] = print) -> int:
    """Open the national portal, wait for the tester to sign in, save the session.
    Returns 0 when saved (signed in, or Enter pressed), 2 when nothing was saved."""
    path = environment.storage_state
    if path is None:
        say(f"{environment.source}: môi trường không khai báo login.storage_state (nơi lưu phiên đăng nhập)")
        return 2
    if inside_repository(path):
        say(f"{path}: không lưu phiên đăng nhập trong thư mục mã nguồn ({ROOT}); "
            "chọn một đường dẫn bên ngoài, ví dụ ~/.config/dvc-conformance/storage-state.json")
        return 2
    text = environment.login_check.get("text")
    start = check_url(environment)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        try:
            browser = connect_or_launch(playwright, headless=headless)
        except PlaywrightError as error:
            say(f"Không mở được trình duyệt có giao diện ({str(error).splitlines()[0]}); "
                "cần một màn hình (DISPLAY) trên máy này")
            return 2
        try:
            context = browser.new_context()
            page = context.new_page()
            try:
                page.goto(start, wait_until="load")
            except PlaywrightError as error:
                say(f"Không mở được {start}: {str(error).splitlines()[0]}")
                return 2
            say(f"Đăng nhập trong cửa sổ trình duyệt (quét mã QR bằng VNeID nếu được hỏi). "
                + (f"Công cụ tự lưu phiên khi thấy \"{text}\"; " if text else "")
                + "hoặc nhấn Enter ở đây khi đã đăng nhập xong.")
            pressed = threading.Event()
            threading.Thread(target=_watch_stdin, args=(pressed,), daemon=True).start()
            seen = False
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline and not pressed.is_set():
                if not context.pages:
                    say("Cửa sổ trình duyệt đã đóng trước khi đăng nhập xong; không lưu gì.")
                    return 2
                if text and any(_shows(p, text) for p in context.pages):
                    seen = True
                    break
                context.pages[0].wait_for_timeout(1000)
            if not seen and not pressed.is_set():
                say(f"Hết {int(timeout_s)} giây chờ đăng nhập; không lưu gì.")
                return 2
            save_storage_state(context, path)
            say(f"Đã lưu phiên đăng nhập vào {path} (chỉ người dùng này đọc được).")
            if text and not seen:
                say(f"Lưu ý: chưa thấy \"{text}\" trên trang; mỗi lần chạy sẽ kiểm tra lại phiên trước khi bắt đầu.")
            return 0
        finally:
            browser.close()


def _shows(page, text: str) -> bool:
    try:
        return page.get_by_text(text).count() > 0
    except Exception:  # a page mid-navigation
        return False
