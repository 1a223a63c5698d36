"""Verdicts: what a check concludes about one criterion for one target.

A verdict is plain data so that it can be written as one JSON line and read back by the
report writers without any browser or check code.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Any

DAT = "dat"
CHUA_DAT = "chua_dat"
MOT_PHAN = "mot_phan"
KHONG_AP_DUNG = "khong_ap_dung"
KHONG_KIEM_TRA_DUOC = "khong_kiem_tra_duoc"

#: Order used everywhere a set of verdicts is summarised (worst first is the reverse).
OUTCOMES = (DAT, MOT_PHAN, CHUA_DAT, KHONG_KIEM_TRA_DUOC, KHONG_AP_DUNG)

OUTCOME_LABELS = {
    DAT: "đạt",
    MOT_PHAN: "một phần",
    CHUA_DAT: "chưa đạt",
    KHONG_KIEM_TRA_DUOC: "không kiểm tra được",
    KHONG_AP_DUNG: "không áp dụng",
}


@dataclass
class Verdict:
    """The outcome of one criterion: one of OUTCOMES, a sentence in the letter's wording,
    the reason when it could not be judged, and the evidence it rests on."""

    outcome: str
    sentence: str
    reason: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}; expected one of {OUTCOMES}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def dat(sentence: str, **evidence: Any) -> Verdict:
    return Verdict(DAT, sentence, evidence=evidence)


def chua_dat(sentence: str, **evidence: Any) -> Verdict:
    return Verdict(CHUA_DAT, sentence, evidence=evidence)


def mot_phan(sentence: str, **evidence: Any) -> Verdict:
    return Verdict(MOT_PHAN, sentence, evidence=evidence)


def khong_ap_dung(sentence: str, **evidence: Any) -> Verdict:
    return Verdict(KHONG_AP_DUNG, sentence, evidence=evidence)


def khong_kiem_tra_duoc(reason: str, sentence: str | None = None, **evidence: Any) -> Verdict:
    """Could not be judged. The reason says why (an earlier step failed, the portal timed
    out, the checker crashed); it is never a statement about the portal's conformance."""
    return Verdict(KHONG_KIEM_TRA_DUOC, sentence or f"Không kiểm tra được: {reason}", reason=reason,
                   evidence=evidence)
