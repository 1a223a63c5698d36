"""A process and its descendants, read from /proc (Linux; elsewhere nothing is found).

Used by the target watchdog (engine/watchdog.py: the page processes of this worker's
browser) and by bench/replica_bench.py (the memory of a run's whole process tree).
"""
from __future__ import annotations

import os


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return children
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
            # The name (2nd field) may hold spaces and parentheses: the parent follows the last ")".
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it (children, their children...)."""
    children = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def command_line(pid: int) -> str:
    """The process's arguments joined by spaces; "" when it is gone or unreadable. (Chromium's
    zygote children rewrite theirs as one string: look for a flag as a substring.)"""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""
