"""How many workers a run starts when none is asked for: two per core, at most 8, no more
than the free memory holds (engine.cli.default_workers)."""
from __future__ import annotations

import builtins
import io

from engine import cli


def _meminfo(available_kb: int):
    real_open = builtins.open

    def fake_open(path, *args, **kwargs):
        if path == "/proc/meminfo":
            return io.StringIO(f"MemTotal: 99999999 kB\nMemAvailable: {available_kb} kB\n")
        return real_open(path, *args, **kwargs)
    return fake_open


def test_two_per_core_at_most_eight(monkeypatch):
    monkeypatch.setattr(builtins, "open", _meminfo(64 * 2**20))  # 64 GB free
    for cores, expected in ((1, 2), (2, 4), (3, 6), (4, 8), (16, 8)):
        monkeypatch.setattr(cli.os, "cpu_count", lambda cores=cores: cores)
        assert cli.default_workers() == expected


def test_no_more_than_memory_holds(monkeypatch):
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(builtins, "open", _meminfo(3 * cli.WORKER_MEMORY_BYTES // 1024 + 1))
    assert cli.default_workers() == 3
    monkeypatch.setattr(builtins, "open", _meminfo(1024))  # almost nothing free: still one
    assert cli.default_workers() == 1


def test_without_meminfo_cores_decide(monkeypatch):
    def no_meminfo(path, *args, **kwargs):
        raise OSError("no /proc here")
    monkeypatch.setattr(builtins, "open", no_meminfo)
    monkeypatch.setattr(cli.os, "cpu_count", lambda: None)
    assert cli.default_workers() == 2
