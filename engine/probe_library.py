"""The probes themselves (see engine/probes.py for the contract)."""
from __future__ import annotations

from engine.probes import ProbeSession, probe  # noqa: F401
