"""Portal families: what the portals running one piece of software share.

Real ministries and provinces run a handful of products. A family file
(``scenarios/families/<family>.yaml``) says, once for all its portals, where the form opens,
how its fields are found (``field_selector``, a CSS template over the field's name on the
portal), how the procedure's logical steps are grouped on its screens, the buttons, the
submission request and the success text. A scenario stays about the procedure (fields by
label, what to type, the logical steps); a target names its family and overrides only what
its portal does differently (``form:``). Adding a province that runs a known family is
therefore a few lines of YAML.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.yamlmarks import Span, YamlSyntaxError, load_marked

#: Where family files are looked for: beside the scenario, then the project's own.
PROJECT_FAMILIES = Path(__file__).resolve().parent.parent / "scenarios" / "families"


@dataclass(frozen=True)
class Screen:
    steps: tuple[int, ...]  # 1-based positions of the scenario's logical steps shown together
    heading: str | None = None


@dataclass(frozen=True)
class Family:
    id: str
    name: str
    source: str
    screens: tuple[Screen, ...]
    entry: str | None = None
    field_selector: str | None = None
    next: str | None = None
    back: str | None = None
    submit: str | None = None
    submit_request: str | None = None
    success_text: str | None = None
    probes: dict[str, Any] = field(default_factory=dict)


def family_folders(scenario_path: Path) -> list[Path]:
    folders = [scenario_path.parent / "families", PROJECT_FAMILIES]
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and folder.resolve() not in [f.resolve() for f in unique]:
            unique.append(folder)
    return unique


def load_families(scenario_path: Path) -> dict[str, Family]:
    """The families a scenario can name (a file beside the scenario wins over the project's)."""
    from engine.scenario import Problem, ScenarioError, schema_problems

    found: dict[str, Family] = {}
    for folder in reversed(family_folders(scenario_path)):
        for path in sorted(folder.glob("*.y*ml")):
            if path.name.startswith("_"):
                continue
            try:
                doc = load_marked(path)
            except YamlSyntaxError as error:
                raise ScenarioError([Problem(str(path), Span(error.line, error.line) if error.line else None,
                                             "", error.problem)]) from None
            if not isinstance(doc.data, dict):
                raise ScenarioError([Problem(str(path), None, "", "tệp họ phần mềm phải là một khối (mapping)")])
            problems = schema_problems(doc, "family.json")
            if problems:
                raise ScenarioError(problems)
            d = doc.data
            found[path.stem] = Family(
                id=path.stem, name=d["name"], source=str(path),
                screens=tuple(Screen(tuple(s["steps"]), s.get("heading")) for s in d["screens"]),
                entry=d.get("entry"), field_selector=d.get("field_selector"), next=d.get("next"),
                back=d.get("back"), submit=d.get("submit"), submit_request=d.get("submit_request"),
                success_text=d.get("success_text"), probes=d.get("probes") or {})
    return found


def screens_problem(family: Family, step_count: int) -> str | None:
    """Why the family's screens do not fit a scenario of ``step_count`` logical steps."""
    order = [n for screen in family.screens for n in screen.steps]
    if order != list(range(1, step_count + 1)):
        return (f"họ {family.id!r} xếp các bước {order} lên màn hình, kịch bản có {step_count} bước "
                f"(1..{step_count}, mỗi bước đúng một lần, theo thứ tự)")
    return None


def apply_family(scenario, target, family: Family | None, overrides: dict[str, Any]) -> tuple[Any, Any]:
    """The scenario as this target's portal shows it: steps grouped into the family's screens,
    the family's buttons and locators, then the target's own differences on top."""
    if family is None and not overrides:
        return scenario, target
    fam = family or Family(id="", name="", source="", screens=tuple(Screen((i + 1,)) for i in range(len(scenario.steps))))

    def pick(key: str, current: Any) -> Any:
        return overrides.get(key) or getattr(fam, key, None) or current

    selector_template = overrides.get("field_selector") or fam.field_selector
    field_overrides = overrides.get("fields") or {}
    fields = {}
    for fid, spec in scenario.fields.items():
        own = field_overrides.get(fid, {})
        name = own.get("name") or spec.name or fid
        selector = own.get("selector") or spec.selector
        label = own.get("label") or spec.label
        if not own.get("selector") and selector_template and (spec.selector is None or own.get("name")):
            selector = selector_template.replace("{name}", name)
        if own.get("label") and not own.get("selector"):
            selector = None  # the target says: this portal's field is found by its label
        fields[fid] = dataclasses.replace(spec, name=name, selector=selector, label=label)

    steps = []
    renamed: dict[str, str] = {}
    for screen in fam.screens:
        parts = [scenario.steps[n - 1] for n in screen.steps]
        first = parts[0]
        fill: dict[str, str] = {}
        for part in parts:
            fill.update(part.fill)
            renamed[part.name] = first.name
        submit_part = next((p for p in parts if p.submit), None)
        steps.append(dataclasses.replace(
            first,
            heading=screen.heading or first.heading,
            fields=tuple(f for part in parts for f in part.fields),
            fill=fill,
            next=None if submit_part else pick("next", parts[-1].next),
            submit=pick("submit", submit_part.submit) if submit_part else None))

    probes = target.probes
    probes = dataclasses.replace(
        probes,
        draft_step=renamed.get(probes.draft_step, probes.draft_step) if probes.draft_step else None,
        documents_step=renamed.get(probes.documents_step, probes.documents_step) if probes.documents_step else None)
    resolved_target = dataclasses.replace(target, probes=probes,
                                          direct_entry=target.direct_entry or fam.entry)
    return dataclasses.replace(
        scenario, fields=fields, steps=tuple(steps),
        submit_request=pick("submit_request", scenario.submit_request),
        success_text=pick("success_text", scenario.success_text),
        back=pick("back", scenario.back),
        targets=(resolved_target,)), resolved_target
