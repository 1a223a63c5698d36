"""What a check may know besides the evidence: the scenario, the target, the test citizen.

Kept free of browser objects so that checks stay plain functions of data.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from engine.scenario import Scenario, Target


@dataclass(frozen=True)
class CheckContext:
    scenario: Scenario
    target: Target
    unit_name: str
    unit_url: str | None
    citizen: dict[str, str]

    @property
    def unit_host(self) -> str | None:
        return urlsplit(self.unit_url).netloc if self.unit_url else None
