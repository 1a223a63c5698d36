"""Start the whole federation in one process: one threaded werkzeug server per loopback
address, all on the same port. Writes the URLs file once everything listens."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import socketserver
import tempfile
import threading
from functools import partial
from pathlib import Path

from werkzeug.serving import ThreadedWSGIServer

from .catalog import apply_catalog
from .config import DEFAULT_PROFILES, HERE, ProfileError, load_citizens, load_procedures, load_units, load_yaml
from .idp import Provider, make_idp_app
from .national import make_national_app
from .store import Store
from .unit import make_unit_app
from .web import LazyApp

NATIONAL_HOST = "127.0.0.2"
IDP_HOST = "127.0.0.3"
FIRST_UNIT = 10
DEFAULT_REPLICA = HERE / "replica.yaml"
SETS = ("lab", "replica", "all")


def unit_host(i: int) -> str:
    n = FIRST_UNIT + i
    if n > 254:
        raise ProfileError("too many units for 127.0.0.x")
    return f"127.0.0.{n}"


def second_system_host(i: int) -> str:
    """The second system of the i-th unit (if it has one): 127.0.1.(10+i)."""
    n = FIRST_UNIT + i
    if n > 254:
        raise ProfileError("too many units for 127.0.1.x")
    return f"127.0.1.{n}"


def load_set(which: str, procedures: dict, profiles: Path | None = None, replica: Path | None = None,
             only: list[str] | None = None):
    """The units of a set: `lab` (profiles.yaml, what the tests use), `replica` (replica.yaml,
    the letter's 79 units) or `all` (both). A replica unit keeps its address whatever the set:
    it comes after every lab unit (its position counts the lab file's units even when they
    are not started). `only`: just these replica units."""
    if which not in SETS:
        raise ProfileError(f"unknown set {which!r}; known: {', '.join(SETS)}")
    if only is not None and which == "lab":
        raise ProfileError("--units names replica units: use it with --set replica or --set all")
    lab_path = Path(profiles or DEFAULT_PROFILES)
    units = load_units(lab_path, procedures) if which in ("lab", "all") else []
    if which in ("replica", "all"):
        lab_count = len(units) if units else len((load_yaml(lab_path) or {}).get("units") or [])
        units += load_units(replica or DEFAULT_REPLICA, procedures, offset=lab_count, only=only)
    return units


class _Server(ThreadedWSGIServer):
    """werkzeug's threaded server without the reverse DNS look-up http.server does when it
    binds (socket.getfqdn: ~80 ms per address here, 10 s for the 120 addresses of --set all)."""

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def make_server(host: str, port: int, app, threaded: bool = True):
    return _Server(host, port, app)


class _Deferred:
    """A unit's app, built on its first request: building ~120 Flask apps (their URL rules
    are compiled) took 8 s of the start-up; most of them may never be asked anything.
    One build at a time, all units together: werkzeug compiles each URL rule from an AST,
    and CPython 3.11's compile() of ASTs in parallel threads fails ("AST constructor
    recursion depth mismatch")."""

    _building = threading.Lock()

    def __init__(self, build):
        self._build, self._app = build, None

    def __call__(self, environ, start_response):
        if self._app is None:
            with _Deferred._building:
                if self._app is None:
                    self._app = self._build()
        return self._app(environ, start_response)


def bind_all(hosts: list[str], port: int, apps: list[LazyApp], attempts: int = 20):
    """Bind every host on one port. Port 0: pick one on the first host, reuse it on the
    others; on a clash, release everything and try again."""
    last = None
    for _ in range(attempts if port == 0 else 1):
        servers = []
        try:
            first = make_server(hosts[0], port, apps[0], threaded=True)
            servers.append(first)
            chosen = first.server_port
            for h, a in zip(hosts[1:], apps[1:]):
                servers.append(make_server(h, chosen, a, threaded=True))
            return servers, chosen
        except (OSError, SystemExit) as e:
            last = e
            for s in servers:
                s.server_close()
    raise RuntimeError(f"could not bind all sandbox addresses: {last}")


def write_atomic(path: Path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=path.name + ".", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    ap.add_argument("--urls-file", required=True, type=Path)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--profiles", type=Path, default=None, help="the lab units (default sandbox/profiles.yaml)")
    ap.add_argument("--set", dest="unit_set", choices=SETS, default="lab",
                    help="which units to start: the lab profiles (default), the replica of the letter's "
                         "79 units (sandbox/replica.yaml), or all")
    ap.add_argument("--replica", type=Path, default=None, help="the replica units (default sandbox/replica.yaml)")
    ap.add_argument("--units", default=None, metavar="ID,ID,...",
                    help="start only these replica units (with --set replica|all)")
    ap.add_argument("--verbose", action="store_true", help="log every request")
    ap.add_argument("--extra-client", action="append", default=[], metavar="ID:SECRET@BASE_URL",
                    help="register one more OIDC client (redirect URI <BASE_URL>/oidc/callback), "
                         "e.g. for tests that play the relying party themselves")
    args = ap.parse_args(argv)

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # in-process calls between the apps (metadata, token, userinfo) never go via a proxy
    for var in ("no_proxy", "NO_PROXY"):
        os.environ[var] = ",".join(filter(None, [os.environ.get(var), "127.0.0.0/8", "localhost"]))

    try:
        citizens = load_citizens()
        procedures = load_procedures()
        only = [u.strip() for u in args.units.split(",") if u.strip()] if args.units is not None else None
        units = load_set(args.unit_set, procedures, args.profiles, args.replica, only)
        seconds = apply_catalog(units, procedures)
    except (ProfileError, OSError, ValueError) as e:
        print(f"sandbox: {e}", file=sys.stderr)
        return 2

    hosts = ([NATIONAL_HOST, IDP_HOST] + [unit_host(u.index) for u in units]
             + [second_system_host(s.index) for s in seconds])
    lazies = [LazyApp() for _ in hosts]
    try:
        servers, port = bind_all(hosts, args.port, lazies)
    except RuntimeError as e:
        print(f"sandbox: {e}", file=sys.stderr)
        return 3

    store = Store()
    national_url = f"http://{NATIONAL_HOST}:{port}"
    idp_url = f"http://{IDP_HOST}:{port}"
    provider = Provider(idp_url, citizens)
    lazies[1].app = make_idp_app(provider)
    for spec in args.extra_client:
        try:
            cred, base = spec.split("@", 1)
            cid, secret = cred.split(":", 1)
        except ValueError:
            print(f"sandbox: bad --extra-client {spec!r}", file=sys.stderr)
            return 2
        provider.register_client("extra", base.rstrip("/"), client_id=cid, client_secret=secret)
    nat_client = provider.register_client("Cổng Dịch vụ công quốc gia", national_url)
    lazies[0].app = make_national_app(store, units, procedures, idp_url, nat_client.client_id,
                                      nat_client.client_secret, national_url)
    for i, u in enumerate(units):
        u.host = hosts[2 + i]
        u.base_url = f"http://{u.host}:{port}"
        c = provider.register_client(u.name, u.base_url)
        lazies[2 + i].app = _Deferred(partial(make_unit_app, u, store, citizens, procedures, idp_url,
                                              c.client_id, c.client_secret, national_url))
    for j, second in enumerate(seconds):   # a unit's second system: a portal of its own
        k = 2 + len(units) + j
        second.host = hosts[k]
        second.base_url = f"http://{second.host}:{port}"
        c = provider.register_client(second.name, second.base_url)
        lazies[k].app = _Deferred(partial(make_unit_app, second, store, citizens, procedures, idp_url,
                                          c.client_id, c.client_secret, national_url))

    threads = []
    for s in servers:
        t = threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        t.start()
        threads.append(t)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    urls = {"national": national_url, "idp": idp_url,
            "units": {u.id: u.base_url for u in units},
            # not something a tester is told: where the units' second systems are (debugging)
            "systems": {u.id: [u.base_url] + ([u.second_system.base_url] if u.second_system else [])
                        for u in units if u.second_system},
            "test_system": True, "pid": os.getpid()}
    text = json.dumps(urls, ensure_ascii=False)
    write_atomic(args.urls_file, text + "\n")
    print(text, flush=True)

    while not stop.wait(0.5):
        pass
    store.shutdown.set()
    stoppers = [threading.Thread(target=s.shutdown) for s in servers]   # in parallel: fast
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join(timeout=5)
    for s in servers:
        s.server_close()
    return 0
