"""Scenario model: YAML files per TTHC code, validated with errors that name file, line, field.

A scenario says what a citizen does for one procedure (fields by visible label, steps and
the buttons between them, test inputs, thresholds) and which units it runs against
(``targets``). Nothing in a scenario is Python. Addresses never appear literally: they are
templates (``{national}``, ``{unit}``) filled from the environment, so one scenario runs
against the sandbox, a vendor's staging federation or the real portals.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from engine.yamlmarks import MarkedDocument, Span, YamlSyntaxError, load_marked

TYPE_NAMES = {"string": "chuỗi", "number": "số", "integer": "số nguyên", "boolean": "true/false",
              "object": "khối (mapping)", "array": "danh sách", "null": "rỗng"}


class ScenarioError(Exception):
    """A scenario (or configuration) file is wrong. ``problems`` are all found at once so a
    user fixes them in one go; nothing runs until the file is right."""

    def __init__(self, problems: list["Problem"]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Problem:
    source: str
    span: Span | None
    field: str
    message: str
    hint: str = ""
    snippet: str = ""

    def __str__(self) -> str:
        where = f"{self.source}: {self.span}" if self.span else self.source
        text = f"{where}: {self.field or '(gốc tệp)'}: {self.message}"
        if self.hint:
            text += f"\n  gợi ý: {self.hint}"
        if self.snippet:
            text += "\n" + self.snippet
        return text


def field_path(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"có phải ý bạn là {close[0]!r}?" if close else f"các giá trị hợp lệ: {', '.join(sorted(choices))}"


@lru_cache(maxsize=None)
def _schema(name: str) -> dict[str, Any]:
    return json.loads(resources.files("engine.schema").joinpath(name).read_text(encoding="utf-8"))


def _problem(doc: MarkedDocument, path: tuple[Any, ...], message: str, hint: str = "", key: bool = False) -> Problem:
    span = doc.span(path, key=key)
    return Problem(doc.source, span, field_path(path), message, hint, doc.snippet(span))


def schema_problems(doc: MarkedDocument, schema_name: str) -> list[Problem]:
    """Validate against a JSON schema and turn each error into a Vietnamese problem."""
    schema = _schema(schema_name)
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[Problem] = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: (list(map(str, e.absolute_path)))):
        path = tuple(error.absolute_path)
        kind = error.validator
        if kind == "additionalProperties":
            allowed = list(error.schema.get("properties", {}))
            extra = [k for k in error.instance if k not in allowed] if isinstance(error.instance, dict) else []
            for key in extra:
                problems.append(_problem(doc, path + (key,), f"khóa {key!r} không được hỗ trợ",
                                         did_you_mean(key, allowed), key=True))
            continue
        if kind == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            problems.append(_problem(doc, path, f"thiếu khóa bắt buộc {missing!r}"))
        elif kind == "type":
            expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            names = " hoặc ".join(TYPE_NAMES.get(t, t) for t in expected)
            hint = 'mã TTHC phải đặt trong dấu ngoặc kép, ví dụ "2.000635"' if path == ("code",) else ""
            problems.append(_problem(doc, path, f"phải là {names}, nhận được {error.instance!r}", hint))
        elif kind == "enum":
            problems.append(_problem(doc, path, f"giá trị {error.instance!r} không hợp lệ",
                                     did_you_mean(error.instance, [str(v) for v in error.validator_value])))
        elif kind == "pattern":
            hint = error.schema.get("description", f"phải khớp mẫu {error.validator_value}")
            problems.append(_problem(doc, path, f"giá trị {error.instance!r} không đúng định dạng", hint))
        elif kind in ("minItems", "minProperties", "minLength"):
            problems.append(_problem(doc, path, "không được để trống"))
        elif kind in ("maxProperties",):
            problems.append(_problem(doc, path, "mỗi thao tác chỉ có một khóa (goto, click, fill, select hoặc wait_for_text)"))
        elif kind == "uniqueItems":
            problems.append(_problem(doc, path, "có phần tử bị lặp lại"))
        elif kind in ("minimum", "maximum", "exclusiveMinimum"):
            problems.append(_problem(doc, path, f"giá trị {error.instance!r} ngoài khoảng cho phép ({kind} {error.validator_value})"))
        elif kind == "anyOf" and path[:2] == ("form", "fields"):
            problems.append(_problem(doc, path, "trường phải có 'label' (nhãn hiển thị) hoặc 'selector'"))
        elif kind == "not" and "next" in (error.instance or {}):
            problems.append(_problem(doc, path, "một bước chỉ có 'next' hoặc 'submit', không có cả hai"))
        else:
            problems.append(_problem(doc, path, error.message))
    return problems


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Action:
    """One browser action of a declared flow: goto, click, fill, select or wait_for_text."""

    kind: str
    value: Any


@dataclass(frozen=True)
class FieldSpec:
    id: str
    label: str | None = None
    selector: str | None = None
    expect: str | None = None  # the identity claim this field should be prefilled with
    format: str | None = None
    kind: str = "text"
    required: bool = True


@dataclass(frozen=True)
class StepSpec:
    name: str
    heading: str
    fields: tuple[str, ...] = ()
    fill: dict[str, str] = field(default_factory=dict)
    next: str | None = None
    submit: str | None = None


@dataclass(frozen=True)
class Thresholds:
    response_time_s: float = 15.0
    repeats: int = 1
    navigation_timeout_s: float = 30.0


@dataclass(frozen=True)
class Target:
    id: str
    unit: str
    test_system: bool | None  # None: the environment decides
    unit_option: str | None
    agency_option: str | None
    direct_entry: str | None
    unit_login: tuple[Action, ...]
    criteria: tuple[str, ...]
    thresholds: Thresholds


@dataclass(frozen=True)
class Scenario:
    source: str
    code: str
    name: str
    citizen: str
    criteria: tuple[str, ...]
    thresholds: Thresholds
    national_portal: tuple[Action, ...]
    fields: dict[str, FieldSpec]
    steps: tuple[StepSpec, ...]
    submit_request: str
    success_text: str
    targets: tuple[Target, ...]


DEFAULT_NATIONAL_PORTAL = (
    Action("goto", "{national}/thu-tuc/{code}"),
    Action("select", {"label": "Tỉnh/Thành phố, Bộ ngành", "option": "{unit_option}"}),
    Action("select", {"label": "Cơ quan thực hiện", "option": "{agency_option}"}),
    Action("click", "Nộp trực tuyến"),
)


def _actions(raw: list[dict[str, Any]] | None) -> tuple[Action, ...]:
    return tuple(Action(*next(iter(item.items()))) for item in raw or ())


def _thresholds(raw: dict[str, Any] | None, base: Thresholds) -> Thresholds:
    raw = raw or {}
    return Thresholds(float(raw.get("response_time_s", base.response_time_s)),
                      int(raw.get("repeats", base.repeats)),
                      float(raw.get("navigation_timeout_s", base.navigation_timeout_s)))


def load_scenario(path: Path | str, *, criteria: tuple[str, ...], units: dict[str, Any] | None = None,
                  citizens: dict[str, Any] | None = None, display: str | None = None) -> Scenario:
    """Load and validate one scenario file.

    ``criteria`` are the criterion ids checks exist for (the registry), ``units`` the known
    unit ids and ``citizens`` the known test citizens: unknown names get a "did you mean".
    Raises ScenarioError listing every problem with file:line and field.
    """
    path = Path(path)
    source = display or str(path)
    try:
        doc = load_marked(path, source)
    except YamlSyntaxError as error:
        raise ScenarioError([Problem(source, Span(error.line, error.line) if error.line else None, "",
                                     error.problem)]) from None
    if doc.data is None:
        raise ScenarioError([Problem(source, None, "", "tệp rỗng: một kịch bản cần ít nhất code, name, form và targets")])
    if not isinstance(doc.data, dict):
        raise ScenarioError([_problem(doc, (), "gốc tệp phải là một khối (mapping) với code, name, form, targets")])
    problems = schema_problems(doc, "scenario.json")
    data = doc.data
    if not problems:
        problems += _semantic_problems(doc, criteria, units, citizens)
    if problems:
        raise ScenarioError(problems)

    base = _thresholds(data.get("thresholds"), Thresholds())
    fields = {fid: FieldSpec(fid, f.get("label"), f.get("selector"), f.get("expect"), f.get("format"),
                             f.get("kind", "text"), f.get("required", True))
              for fid, f in data["form"]["fields"].items()}
    steps = tuple(StepSpec(s["name"], s.get("heading", s["name"]), tuple(s.get("fields", ())),
                           {k: str(v) for k, v in (s.get("fill") or {}).items()}, s.get("next"), s.get("submit"))
                  for s in data["form"]["steps"])
    scenario_criteria = tuple(data.get("criteria") or criteria)
    targets = []
    for t in data["targets"]:
        entry = t.get("entry") or {}
        targets.append(Target(
            id=t["id"], unit=t["unit"], test_system=t.get("test_system"),
            unit_option=entry.get("unit_option"), agency_option=entry.get("agency_option"),
            direct_entry=t.get("direct_entry"), unit_login=_actions(t.get("unit_login")),
            criteria=tuple(t.get("criteria") or scenario_criteria),
            thresholds=_thresholds(t.get("thresholds"), base)))
    national = data.get("national_portal")
    return Scenario(
        source=source, code=data["code"], name=data["name"], citizen=data.get("citizen", "cong-dan-1"),
        criteria=scenario_criteria, thresholds=base,
        national_portal=_actions(national["steps"]) if national else DEFAULT_NATIONAL_PORTAL,
        fields=fields, steps=steps,
        submit_request=data["form"].get("submit_request", "**/nop-ho-so/nop"),
        success_text=data["form"].get("success_text", "Nộp hồ sơ thành công"),
        targets=tuple(targets))


def _semantic_problems(doc: MarkedDocument, criteria: tuple[str, ...], units: dict[str, Any] | None,
                       citizens: dict[str, Any] | None) -> list[Problem]:
    """What a schema cannot say: names that must exist elsewhere, references inside the file."""
    data = doc.data
    problems: list[Problem] = []

    def known(path: tuple[Any, ...], value: str, choices: list[str], what: str) -> None:
        if value not in choices:
            problems.append(_problem(doc, path, f"{what} {value!r} không tồn tại", did_you_mean(value, choices)))

    for i, name in enumerate(data.get("criteria") or ()):
        known(("criteria", i), name, list(criteria), "tiêu chí")
    if citizens is not None and "citizen" in data:
        known(("citizen",), data["citizen"], list(citizens), "công dân thử nghiệm")
    field_ids = list(data["form"]["fields"])
    for s, step in enumerate(data["form"]["steps"]):
        for i, fid in enumerate(step.get("fields") or ()):
            known(("form", "steps", s, "fields", i), fid, field_ids, "trường")
        for fid in step.get("fill") or {}:
            if fid not in field_ids:
                problems.append(_problem(doc, ("form", "steps", s, "fill", fid), f"trường {fid!r} không tồn tại",
                                         did_you_mean(fid, field_ids), key=True))
    if not any(step.get("submit") for step in data["form"]["steps"]):
        problems.append(_problem(doc, ("form", "steps"), "không có bước nào có 'submit' (nút nộp hồ sơ)",
                                 "thêm 'submit: Nộp hồ sơ' vào bước cuối"))
    seen: dict[str, int] = {}
    for i, target in enumerate(data["targets"]):
        if target["id"] in seen:
            problems.append(_problem(doc, ("targets", i, "id"), f"đơn vị kiểm tra {target['id']!r} bị khai báo hai lần",
                                     f"đã có ở targets[{seen[target['id']]}]; mỗi id chỉ một lần"))
        seen.setdefault(target["id"], i)
        if units is not None:
            known(("targets", i, "unit"), target["unit"], list(units), "đơn vị")
        for j, name in enumerate(target.get("criteria") or ()):
            known(("targets", i, "criteria", j), name, list(criteria), "tiêu chí")
    return problems
