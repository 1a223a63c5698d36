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
    schema = json.loads(resources.files("engine.schema").joinpath(name).read_text(encoding="utf-8"))
    if name != "scenario.json":
        # Other files (portal families) reuse the scenario's definitions, e.g. its probes block.
        schema["$defs"] = {**_schema("scenario.json")["$defs"], **schema.get("$defs", {})}
    return schema


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
        elif kind == "oneOf" and "input_validation" in path:
            # A test input: a string, or {value, why}.
            instance = error.instance
            extra = [k for k in instance if k not in ("value", "why")] if isinstance(instance, dict) else []
            if extra:
                for key in extra:
                    problems.append(_problem(doc, path + (key,), f"khóa {key!r} không được hỗ trợ",
                                             did_you_mean(key, ["value", "why"]), key=True))
            elif isinstance(instance, dict) and "value" not in instance:
                problems.append(_problem(doc, path, "thiếu khóa bắt buộc 'value' (giá trị sẽ gõ vào)"))
            else:
                problems.append(_problem(doc, path, "mỗi giá trị thử phải là chuỗi hoặc khối {value, why}"))
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
    name: str | None = None    # the field's name on the portal (a family's field_selector uses it)
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
    # The longest one target's walk and probes may take (engine.watchdog); 0: no bound.
    target_budget_s: float = 1200.0


@dataclass(frozen=True)
class TestInput:
    """A value typed by a probe, and why it is wrong (for the report)."""

    value: str
    why: str = ""


#: The default battery of input_validation: what the letter's inspectors typed.
DEFAULT_INVALID_PHONES = (
    TestInput("091234567", "quá ngắn (9 chữ số)"),
    TestInput("091234567890", "quá dài (12 chữ số)"),
    TestInput("09123abcde", "có chữ cái"),
    TestInput("0112345678", "đầu số không hợp lệ"),
)
DEFAULT_VALID_PHONES = ("0912345678", "0387654321")
DEFAULT_INVALID_EMAILS = (
    TestInput("nguyenvana.example.vn", "thiếu ký tự @"),
    TestInput("nguyenvana@", "thiếu tên miền"),
    TestInput("nguyen van a@example.vn", "có khoảng trắng"),
)
DEFAULT_VALID_EMAILS = ("nguyen.van.a@example.vn", "tran.thi.b@mail.gov.vn")


@dataclass(frozen=True)
class ProbeSettings:
    """What the probes beyond the main walk type, press and open. Every address is a template
    ({unit}, {national}, {code}, {dossier_code}); every default fits the common portal shape."""

    invalid_phones: tuple[TestInput, ...] = DEFAULT_INVALID_PHONES
    valid_phones: tuple[str, ...] = DEFAULT_VALID_PHONES
    invalid_emails: tuple[TestInput, ...] = DEFAULT_INVALID_EMAILS
    valid_emails: tuple[str, ...] = DEFAULT_VALID_EMAILS
    # identity_crosscheck: other plausible values per identity claim (or per field id)
    identity_values: dict[str, str] = field(default_factory=lambda: {
        "SoDinhDanh": "001099012345", "HoVaTen": "Nguyễn Văn Khác"})
    draft_step: str | None = None   # the step where a value is typed before reloading
    draft_field: str | None = None
    draft_value: str | None = None
    applicant_type: str | None = None  # label of the applicant-type choice (None: any "đối tượng" choice)
    documents_step: str | None = None  # None: the first step with a file field
    esign_button: str = "Ký số"
    devices: tuple[str, ...] = ("iPhone 13", "Pixel 7")
    lookup_page: str = "{unit}/tra-cuu"
    lookup_field: str = "Mã hồ sơ"
    lookup_button: str = "Tra cứu"
    login_home: str = "{unit}/"
    login_link: str = "Đăng nhập"
    login_page: str | None = None  # a login page declared for the target (else: the home page's link)
    dossier_page: str = "{unit}/ho-so/{dossier_code}"
    data_store: str = "{national}/kho-du-lieu"


def _inputs(raw: list[Any] | None, default: tuple[TestInput, ...]) -> tuple[TestInput, ...]:
    if raw is None:
        return default
    return tuple(TestInput(item) if isinstance(item, str) else TestInput(item["value"], item.get("why", ""))
                 for item in raw)


def _probe_settings(raw: dict[str, Any] | None, base: ProbeSettings) -> ProbeSettings:
    """Settings of a scenario (over the defaults) or of a target (over its scenario's)."""
    raw = raw or {}
    validation = raw.get("input_validation") or {}
    phone, email = validation.get("phone") or {}, validation.get("email") or {}
    draft = raw.get("draft_persistence") or {}
    guidance = raw.get("guidance") or {}
    lookup = raw.get("lookup") or {}
    login = raw.get("login_page") or {}
    after = raw.get("after_submission") or {}
    identity = (raw.get("identity_crosscheck") or {}).get("values")
    return ProbeSettings(
        invalid_phones=_inputs(phone.get("invalid"), base.invalid_phones),
        valid_phones=tuple(phone.get("valid", base.valid_phones)),
        invalid_emails=_inputs(email.get("invalid"), base.invalid_emails),
        valid_emails=tuple(email.get("valid", base.valid_emails)),
        identity_values=dict(identity) if identity is not None else dict(base.identity_values),
        draft_step=draft.get("step", base.draft_step), draft_field=draft.get("field", base.draft_field),
        draft_value=draft.get("value", base.draft_value),
        applicant_type=guidance.get("applicant_type", base.applicant_type),
        documents_step=guidance.get("documents_step", base.documents_step),
        esign_button=(raw.get("esign") or {}).get("button", base.esign_button),
        devices=tuple((raw.get("mobile") or {}).get("devices", base.devices)),
        lookup_page=lookup.get("page", base.lookup_page), lookup_field=lookup.get("field", base.lookup_field),
        lookup_button=lookup.get("button", base.lookup_button),
        login_home=login.get("home", base.login_home), login_link=login.get("link", base.login_link),
        login_page=login.get("page", base.login_page),
        dossier_page=after.get("dossier_page", base.dossier_page),
        data_store=after.get("data_store", base.data_store))


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
    probes: ProbeSettings = field(default_factory=ProbeSettings)
    family: str | None = None  # the portal's software family (engine/families.py)
    form: dict[str, Any] = field(default_factory=dict)  # what this portal does differently


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
    back: str = "Quay lại"  # the form's button to the previous step
    probes: ProbeSettings = field(default_factory=ProbeSettings)
    families: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def for_target(self, target: Target) -> tuple["Scenario", Target]:
        """The scenario and target as this target's portal shows them (its family applied)."""
        from engine.families import apply_family
        return apply_family(self, target, self.families.get(target.family) if target.family else None,
                            target.form)


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
                      float(raw.get("navigation_timeout_s", base.navigation_timeout_s)),
                      float(raw.get("target_budget_s", base.target_budget_s)))


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
    families: dict[str, Any] = {}
    if not problems:
        problems += _semantic_problems(doc, criteria, units, citizens)
        if any("family" in t or "form" in t for t in data["targets"]):
            from engine.families import load_families
            families = load_families(path) if any("family" in t for t in data["targets"]) else {}
            problems += _family_problems(doc, families)
    if problems:
        raise ScenarioError(problems)

    base = _thresholds(data.get("thresholds"), Thresholds())
    fields = {fid: FieldSpec(fid, f.get("label"), f.get("selector"), f.get("expect"), f.get("name"),
                             f.get("format"), f.get("kind", "text"), f.get("required", True))
              for fid, f in data["form"]["fields"].items()}
    steps = tuple(StepSpec(s["name"], s.get("heading", s["name"]), tuple(s.get("fields", ())),
                           {k: str(v) for k, v in (s.get("fill") or {}).items()}, s.get("next"), s.get("submit"))
                  for s in data["form"]["steps"])
    scenario_criteria = tuple(data.get("criteria") or criteria)
    scenario_probes = _probe_settings(data.get("probes"), ProbeSettings())
    targets = []
    for t in data["targets"]:
        entry = t.get("entry") or {}
        family = families.get(t["family"]) if t.get("family") else None
        probes_base = _probe_settings(family.probes, scenario_probes) if family else scenario_probes
        targets.append(Target(
            id=t["id"], unit=t["unit"], test_system=t.get("test_system"),
            unit_option=entry.get("unit_option"), agency_option=entry.get("agency_option"),
            direct_entry=t.get("direct_entry"), unit_login=_actions(t.get("unit_login")),
            criteria=tuple(t.get("criteria") or scenario_criteria),
            thresholds=_thresholds(t.get("thresholds"), base),
            probes=_probe_settings(t.get("probes"), probes_base),
            family=t.get("family"), form=t.get("form") or {}))
    national = data.get("national_portal")
    return Scenario(
        source=source, code=data["code"], name=data["name"], citizen=data.get("citizen", "cong-dan-1"),
        criteria=scenario_criteria, thresholds=base,
        national_portal=_actions(national["steps"]) if national else DEFAULT_NATIONAL_PORTAL,
        fields=fields, steps=steps,
        submit_request=data["form"].get("submit_request", "**/nop-ho-so/nop"),
        success_text=data["form"].get("success_text", "Nộp hồ sơ thành công"),
        targets=tuple(targets), back=data["form"].get("back", "Quay lại"), probes=scenario_probes,
        families=families)


def _family_problems(doc: MarkedDocument, families: dict[str, Any]) -> list[Problem]:
    """A target's family must exist and fit the scenario's steps; its overrides must name real fields."""
    from engine.families import screens_problem
    data = doc.data
    problems: list[Problem] = []
    field_ids = list(data["form"]["fields"])
    for i, target in enumerate(data["targets"]):
        name = target.get("family")
        if name is not None:
            if name not in families:
                hint = did_you_mean(name, list(families)) if families else \
                    "chưa có tệp họ phần mềm nào (scenarios/families/<họ>.yaml)"
                problems.append(_problem(doc, ("targets", i, "family"), f"họ phần mềm {name!r} không tồn tại", hint))
            else:
                why = screens_problem(families[name], len(data["form"]["steps"]))
                if why:
                    problems.append(_problem(doc, ("targets", i, "family"), why))
        for fid in ((target.get("form") or {}).get("fields") or {}):
            if fid not in field_ids:
                problems.append(_problem(doc, ("targets", i, "form", "fields", fid), f"trường {fid!r} không tồn tại",
                                         did_you_mean(fid, field_ids), key=True))
    return problems


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
    step_names = [step["name"] for step in data["form"]["steps"]]

    def probe_references(prefix: tuple[Any, ...], raw: dict[str, Any] | None) -> None:
        """Steps and fields that a probes block names must exist in the form."""
        raw = raw or {}
        draft = raw.get("draft_persistence") or {}
        if "step" in draft:
            known(prefix + ("draft_persistence", "step"), draft["step"], step_names, "bước")
        if "field" in draft:
            known(prefix + ("draft_persistence", "field"), draft["field"], field_ids, "trường")
        guidance = raw.get("guidance") or {}
        if "documents_step" in guidance:
            known(prefix + ("guidance", "documents_step"), guidance["documents_step"], step_names, "bước")

    probe_references(("probes",), data.get("probes"))
    seen: dict[str, int] = {}
    for i, target in enumerate(data["targets"]):
        probe_references(("targets", i, "probes"), target.get("probes"))
        if target["id"] in seen:
            problems.append(_problem(doc, ("targets", i, "id"), f"đơn vị kiểm tra {target['id']!r} bị khai báo hai lần",
                                     f"đã có ở targets[{seen[target['id']]}]; mỗi id chỉ một lần"))
        seen.setdefault(target["id"], i)
        if units is not None:
            known(("targets", i, "unit"), target["unit"], list(units), "đơn vị")
        for j, name in enumerate(target.get("criteria") or ()):
            known(("targets", i, "criteria", j), name, list(criteria), "tiêu chí")
    return problems
