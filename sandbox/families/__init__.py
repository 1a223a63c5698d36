"""Portal families: the same unit behaviour (knobs, sandbox/families/model.py) wearing the
markup and flow of different portal software. `paged` (one server page per step) lives in
sandbox/unit.py; `formio` (a client-side wizard) and `eform` (a legacy one-URL e-form)
register their routes from here. See "Portal families" in sandbox/README.md."""
from __future__ import annotations

FAMILIES = ("paged", "formio", "eform")
ENTRIES = {"paged": "/dvc/{ma}/nop-ho-so", "formio": "/form/{ma}", "eform": "/eform/{ma}"}


def entry_url(family: str, ma: str) -> str:
    """Where a family's form starts (the hand-off's target)."""
    return ENTRIES[family].format(ma=ma)


def form_input(form, prefix: str = "", suffix: str = "") -> dict:
    """A family's field names (`data[x]`, `ef_x`) back to the model's ids (`x`)."""
    out = {}
    for key in form:
        if key.startswith(prefix) and key.endswith(suffix) and len(key) > len(prefix) + len(suffix):
            out[key[len(prefix):len(key) - len(suffix)]] = form.get(key)
    return out


def register_family(family: str, portal) -> None:
    """Add a non-paged family's routes to a unit app. `portal` carries the unit's app, knobs,
    model and page helpers (see sandbox/unit.py)."""
    if family == "formio":
        from .formio import register
    elif family == "eform":
        from .eform import register
    else:
        raise ValueError(f"unknown portal family {family!r}")
    register(portal)
