"""The probes themselves (see engine/probes.py for the contract).

Each probe drives the browser beyond the main walk and returns plain data: what was typed,
pressed and opened, and what the browser showed. Checks judge that data only. A probe never
reads anything of the portal but what a browser shows (and, on test systems declared in the
environment, calls the agency's side to process a dossier).
"""
from __future__ import annotations

import random
import re
import time
from itertools import zip_longest
from typing import Any

from playwright.sync_api import Error as PlaywrightError, Page, TimeoutError as PlaywrightTimeout

from engine import direct
from engine.browser import close_quietly
from engine.journey import fields_state, settle
from engine.observe import LABEL_OF_JS, evaluate_steady, observe
from engine.probes import NEEDS_NO_FORM, ProbeSession, probe

# --------------------------------------------------------------------------- helpers


def _field_of_kind(s: ProbeSession, index: int, kinds: tuple[str, ...]) -> str | None:
    step = s.scenario.steps[index]
    for field_id in (*step.fill, *step.fields):
        if s.scenario.fields[field_id].kind in kinds:
            return field_id
    return None


def _contact_field(s: ProbeSession) -> tuple[int, str, str] | None:
    """The phone field and a valid number other than the citizen's: (step, field, value)."""
    index = s.step_with_field("phone")
    if index is None:
        return None
    step = s.scenario.steps[index]
    field_id = next(f for f in (*step.fields, *step.fill) if s.scenario.fields[f].kind == "phone")
    own = (s.values.get("citizen") or {}).get("SoDienThoai", "")
    value = next((v for v in s.settings.valid_phones if v != own), None)
    return (index, field_id, value) if value else None


def _typed_text_field(s: ProbeSession, min_index: int = 0) -> tuple[int, str] | None:
    """A field the citizen types free text into (not a number, not prefilled): (step, field)."""
    fallback = None
    for index, step in enumerate(s.scenario.steps):
        if index < min_index:
            continue
        for field_id, raw in step.fill.items():
            spec = s.scenario.fields[field_id]
            if spec.kind != "text" or not spec.required or s.absent(index, field_id):
                continue
            if not str(raw).strip().isdigit():
                return index, field_id
            fallback = fallback or (index, field_id)
    return fallback


def _settle(page: Page, ms: int = 300) -> None:
    settle(page, ms)


# --------------------------------------------------------------------------- input_validation


def _scenario_value(s: ProbeSession, index: int, field_id: str) -> str:
    """What the scenario types into a field of step ``index`` (the citizen's own contact data)."""
    from engine.phrases import fill_template
    raw = s.scenario.steps[index].fill.get(field_id)
    return fill_template(str(raw), s.values) if raw is not None else ""


def _refused(outcome: dict[str, Any]) -> bool:
    return (not outcome["advanced"]) or bool(outcome["invalid"])


class _ContactStep:
    """One page kept at the step with the contact fields for the whole battery: each try clears
    and retypes the fields and presses the step's own button, as a citizen correcting a value
    would; when the portal moved on, its own back button brings the step again. Reopening the
    form for each value would cost a walk from the first step every time."""

    def __init__(self, s: ProbeSession, index: int, battery: tuple[str, ...]):
        self.s, self.index, self.battery = s, index, battery
        self.page: Page | None = None
        self.url: str | None = None
        self.moved_on = False  # the last try was accepted: the page shows the next step

    def arrive(self) -> bool:
        """A page at the step (the one the last probe parked there, else a walk), filled."""
        self.page = self.s.reach(self.index)
        if self.page is None:
            return False
        self.url = self.page.url
        self.s.fill_step(self.page, self.index)
        return True

    def _back_to_step(self) -> None:
        s, page, index = self.s, self.page, self.index
        if self.moved_on:  # the form's own back button, as a citizen would
            s.press_back(page, index)
        if not s.on_step(page, index):  # no back button, or the last try led to an error page
            s.goto_step(page, index, self.url)
        # The rest of the step as the scenario fills it (a portal may have emptied it); the
        # battery's own fields are typed by the try itself.
        s.fill_step(page, index, skip=self.battery)

    def submit(self, typed: dict[str, str]) -> dict[str, Any]:
        """Type these values (the battery's other fields get the scenario's own value back) and
        press the step's button, unless the browser itself refuses to send them."""
        s, page, index = self.s, self.page, self.index
        if self.moved_on or not s.on_step(page, index):
            self._back_to_step()
        for field_id in self.battery:
            direct.fill(page, s.scenario.fields[field_id], typed.get(field_id, _scenario_value(s, index, field_id)))
        refused = {}
        for field_id, state in fields_state(page, {f: s.scenario.fields[f] for f in typed}).items():
            # The browser refuses to send the form: no need to press the button.
            if state and not state["valid"] and not state["novalidate"]:
                refused[field_id] = state["message"] or "không hợp lệ"
        outcome = ({"advanced": False, "messages": [], "invalid": refused} if refused
                   else s.attempt_next(page, index, watch=tuple(typed)))
        self.moved_on = outcome["advanced"]
        return outcome


def _tried(value: str, why: str, is_valid: bool, outcome: dict[str, Any], field_id: str) -> dict[str, Any]:
    rejected = _refused(outcome)
    how = ("trình duyệt từ chối (ràng buộc của trường)" if outcome["invalid"]
           else "có thông báo lỗi" if outcome["messages"]
           else "không chuyển bước" if rejected else "được chấp nhận")
    return {"value": value, "why": why, "valid_input": is_valid, "rejected": rejected, "how": how,
            "messages": outcome["messages"][:3],
            "browser_message": outcome["invalid"].get(field_id) or next(iter(outcome["invalid"].values()), "")}


@probe("input_validation")
def input_validation(s: ProbeSession) -> dict[str, Any]:
    """Type each invalid phone and email (the other fields valid) and try to go on: each value
    is really submitted. Then the valid ones, which must be accepted. A phone and an email go
    in one submission where that tells about each (a portal that accepts the pair accepts each
    of them; the browser's own refusal names its field), separately otherwise."""
    settings = s.settings
    fields: dict[str, tuple[int, str]] = {}
    for kind in ("phone", "email"):
        index = s.step_with_field(kind)
        if index is not None:
            fields[kind] = (index, _field_of_kind(s, index, (kind,)))
    if not fields:
        return {"error": "kịch bản không có trường số điện thoại hay thư điện tử (kind: phone / email)"}
    invalid = {"phone": settings.invalid_phones, "email": settings.invalid_emails}
    valid = {"phone": settings.valid_phones, "email": settings.valid_emails}
    out: dict[str, Any] = {kind: {"field": s.scenario.fields[f].label or f, "step": s.scenario.steps[i].name,
                                  "tried": []} for kind, (i, f) in fields.items()}
    steps = sorted({i for i, _ in fields.values()})
    step = None
    try:
        for index in steps:  # phone and email are on one step on every known portal
            kinds = [k for k in ("phone", "email") if k in fields and fields[k][0] == index]
            if step is not None:
                close_quietly(step.page)
            step = _ContactStep(s, index, tuple(fields[k][1] for k in kinds))
            if not step.arrive():
                return {"error": f"không đến được bước “{s.scenario.steps[index].name}”"}
            # Invalid values first (a refused one leaves the page at the step), valid ones last;
            # an invalid phone and an invalid email go in one submission while the portal
            # accepts such pairs (a portal that checks neither costs half the returns to the
            # step), each alone once it refuses one (it checks: pairs would only add tries).
            tries = [[(k, t.value, t.why, False) for k, t in zip(kinds, values) if t is not None]
                     for values in zip_longest(*(invalid[k] for k in kinds))]
            tries += [[(k, v, "hợp lệ", True) for k, v in zip(kinds, values) if v is not None]
                      for values in zip_longest(*(valid[k] for k in kinds))]
            pairing = True
            for together in tries:
                if len(together) > 1 and not pairing and not together[0][3]:
                    outcome, untried = None, together
                else:
                    outcome = step.submit({fields[k][1]: v for k, v, _, _ in together})
                    refused_alone = set(outcome["invalid"])  # the browser's refusal names its field
                    untried = ([t for t in together if fields[t[0]][1] not in refused_alone]
                               if len(together) > 1 and _refused(outcome) else [])
                    if untried and not outcome["invalid"]:
                        pairing = False  # the portal itself refused the pair: it checks
                    for k, v, why, is_valid in together:
                        if (k, v, why, is_valid) not in untried:
                            out[k]["tried"].append(_tried(v, why, is_valid, outcome, fields[k][1]))
                for k, v, why, is_valid in untried:  # each alone, to know which one was refused
                    alone = step.submit({fields[k][1]: v})
                    out[k]["tried"].append(_tried(v, why, is_valid, alone, fields[k][1]))
        if step.moved_on and steps[-1] + 1 < len(s.scenario.steps) and s.on_step(step.page, steps[-1] + 1):
            # The last valid values were accepted: the next step as a walk reaches it, left for
            # the next probe (draft_persistence starts there on most portals).
            s.park(step.page, steps[-1] + 1)
            step = None
    finally:
        if step is not None and step.page is not None:
            close_quietly(step.page)
    return out


# --------------------------------------------------------------------------- identity_crosscheck


@probe("identity_crosscheck")
def identity_crosscheck(s: ProbeSession) -> dict[str, Any]:
    """Change the prefilled ID number and name to other plausible values and try to go on."""
    others = s.settings.identity_values
    step = s.scenario.steps[0]
    fields = [f for f in step.fields
              if f in others or (s.scenario.fields[f].expect and s.scenario.fields[f].expect in others)]
    if not fields:
        return {"error": "kịch bản không khai báo trường định danh (expect: SoDinhDanh / HoVaTen) ở bước đầu"}
    page = s.open_form()
    try:
        states = {f: s.field_state(page, f) for f in fields}
        original = {f: state["value"] if state else None for f, state in states.items()}
        readonly = {f: not state or state["locked"] for f, state in states.items()}
        editable = [f for f in fields if not readonly[f]]
        result: dict[str, Any] = {"fields": {f: s.scenario.fields[f].label or f for f in fields},
                                  "readonly": readonly, "changed": {}, "advanced": False, "messages": []}
        if not editable:
            # Only looked at: the first step as the form opens, for the next probe.
            s.park(page, 0)
            page = None
            return result
        s.fill_step(page, 0, skip=tuple(editable))
        for f in editable:
            value = others.get(f) or others.get(s.scenario.fields[f].expect or "", "")
            direct.fill(page, s.scenario.fields[f], value)
            result["changed"][f] = value
        outcome = s.attempt_next(page, 0, watch=tuple(editable))
        result.update(advanced=outcome["advanced"], messages=outcome["messages"],
                      browser_messages=outcome["invalid"])
        # Put the citizen's own data back, so that later probes walk with it.
        s.open_form(page)
        for f in editable:
            if s.is_editable(page, f) and original.get(f):
                direct.fill(page, s.scenario.fields[f], original[f])
        s.fill_step(page, 0)
        advanced, _ = s.press_next(page, 0)
        if advanced:
            # The second step, reached with the citizen's own data: where the validation
            # battery starts on portals that ask for the contact data there.
            s.park(page, 1)
            page = None
        return result
    finally:
        if page is not None:
            close_quietly(page)


# --------------------------------------------------------------------------- required_fields


@probe("required_fields")
def required_fields(s: ProbeSession) -> dict[str, Any]:
    """Leave a required field, then a required file, empty and try to go on."""
    out: dict[str, Any] = {}
    page = None
    try:
        found = _typed_text_field(s, min_index=1) or _typed_text_field(s)
        candidates = []
        if found:
            candidates.append(("field", found[0], found[1]))
        doc_index = s.documents_step()
        if doc_index is not None:
            doc_field = next((f for f in s.scenario.steps[doc_index].fill
                              if s.scenario.fields[f].kind == "file" and s.scenario.fields[f].required), None)
            if doc_field:
                candidates.append(("file", doc_index, doc_field))
        at = None
        for what, index, field_id in candidates:
            if page is None:  # the first try: from the page the last probe left at its step, if any
                page = s.reach(index)
                if page is None:
                    out[what] = {"error": f"không đến được bước “{s.scenario.steps[index].name}”"}
                    continue
                at = index
            elif at is None or at > index:
                s.open_form(page)
                at = 0
            while at < index:  # fill and go on, from wherever the last try left the form
                s.fill_step(page, at)
                advanced, _ = s.press_next(page, at)
                if not advanced:
                    break
                at += 1
            if at != index:
                out[what] = {"error": f"không đến được bước “{s.scenario.steps[index].name}”"}
                at = None
                continue
            if what == "file":
                # A file the portal already holds for this dossier (from an earlier try) is not
                # asked again: nothing to test then.
                from engine.phrases import fill_template
                name = fill_template(s.scenario.steps[index].fill[field_id], s.values).rsplit("/", 1)[-1]
                if name and name in page.evaluate("document.body.innerText"):
                    out[what] = {"label": s.scenario.fields[field_id].label or field_id,
                                 "step": s.scenario.steps[index].name,
                                 "skipped": f"cổng đã lưu tệp “{name}” tải lên từ lần trước"}
                    continue
            s.fill_step(page, index, skip=(field_id,))
            if what == "field":
                direct.fill(page, s.scenario.fields[field_id], "")
            outcome = s.attempt_next(page, index, watch=(field_id,))
            at = index + 1 if outcome["advanced"] else index
            out[what] = {"label": s.scenario.fields[field_id].label or field_id,
                         "step": s.scenario.steps[index].name, "blocked": not outcome["advanced"],
                         "messages": outcome["messages"][:3],
                         "browser_message": next(iter(outcome["invalid"].values()), "")}
        if page is not None and at == doc_index and "file" in out and out["file"].get("blocked") \
                and s.on_step(page, doc_index):
            # Held at the documents step, every earlier step valid and the portal's own choices:
            # the next probe (guidance) reads that step from here instead of walking to it.
            s.park(page, doc_index)
            page = None
    finally:
        if page is not None:
            close_quietly(page)
    if not out:
        return {"error": "kịch bản không có trường hay tệp bắt buộc do công dân nhập (fill)"}
    return out


# --------------------------------------------------------------------------- draft_persistence


@probe("draft_persistence")
def draft_persistence(s: ProbeSession) -> dict[str, Any]:
    """Type a value, reload before "next": kept? Then next and back: kept?"""
    from engine.journey import clickable
    settings = s.settings
    if settings.draft_step and settings.draft_field:
        index, field_id = s.step_by_name(settings.draft_step), settings.draft_field
    else:
        found = _typed_text_field(s, min_index=1) or _typed_text_field(s)
        if not found:
            return {"error": "kịch bản không có trường văn bản do công dân nhập để thử ghi nhớ dữ liệu"}
        index, field_id = found
    if index is None or index + 1 >= len(s.scenario.steps):
        return {"error": "không có bước sau bước thử ghi nhớ dữ liệu"}
    marker = settings.draft_value or f"Kiểm tra ghi nhớ dữ liệu tạm thời {random.randint(1000, 9999)}"
    page = s.reach(index)  # the page the validation battery left at the step after it, if any
    if page is None:
        return {"error": f"không đến được bước “{s.scenario.steps[index].name}”"}
    parked = False
    try:
        if fields_state(page, {field_id: s.scenario.fields[field_id]})[field_id] is None:
            # Not on this portal's screen (e.g. no e-form: the request is an uploaded declaration).
            # The citizen's phone number is typed on every portal: try the draft with it.
            contact = _contact_field(s)
            if contact is None:
                return {"error": f"không thấy trường “{s.scenario.fields[field_id].label or field_id}” trên màn hình"}
            close_quietly(page)
            index, field_id, marker = contact
            page = s.open_form()
            if not s.advance_to(page, index):
                return {"error": f"không đến được bước “{s.scenario.steps[index].name}”"}
        s.fill_step(page, index, skip=(field_id,))
        direct.fill(page, s.scenario.fields[field_id], marker)
        page.wait_for_timeout(300)  # autosaves usually follow the input event
        url = page.url
        page.reload(wait_until="load")
        _settle(page)
        after_reload = s.read_value(page, field_id) if s.on_step(page, index) else None
        if not s.on_step(page, index):
            # The reload reopened the form elsewhere (the first screen, where nothing was kept):
            # walk back to the step to go on with the "next, then back" half.
            s.back_to_first_screen(page)
            if not s.advance_to(page, index):
                return {"error": f"không trở lại được bước “{s.scenario.steps[index].name}” sau khi tải lại trang",
                        "after_reload": after_reload, "kept_on_reload": False}
        s.fill_step(page, index, skip=(field_id,))
        direct.fill(page, s.scenario.fields[field_id], marker)
        outcome = s.attempt_next(page, index)
        if not outcome["advanced"]:
            return {"error": f"không chuyển được sang bước sau bước “{s.scenario.steps[index].name}”",
                    "messages": outcome["messages"]}
        back_button = clickable(page, s.scenario.back)
        used = "nút “" + s.scenario.back + "”"
        if direct.shows(page, [{"control": s.scenario.back}], fallback=back_button):
            direct.click(page, s.scenario.back, s.timeout_ms)
        else:
            page.go_back(wait_until="load")
            used = "nút quay lại của trình duyệt"
        heading = s.scenario.steps[index].heading
        try:
            direct.wait_for(page, [direct.heading(heading)], s.timeout_ms,
                            fallback=page.get_by_role("heading", name=heading).first)
        except (PlaywrightError, PlaywrightTimeout):
            pass
        _settle(page)
        after_back = s.read_value(page, field_id) if s.on_step(page, index) else None
        if after_back is not None:
            # Back at the step, every earlier step valid: required_fields starts here (it types
            # the step again itself, the marker included).
            s.park(page, index)
            parked = True
        return {"step": s.scenario.steps[index].name, "field": s.scenario.fields[field_id].label or field_id,
                "typed": marker, "url": url, "after_reload": after_reload, "kept_on_reload": after_reload == marker,
                "back_by": used, "after_back": after_back, "kept_on_back": after_back == marker}
    finally:
        if not parked:
            close_quietly(page)


# --------------------------------------------------------------------------- guidance

_CHOICE_JS = """
(wanted) => {
""" + LABEL_OF_JS + """
  const match = t => wanted ? t.trim().toLowerCase() === wanted.toLowerCase() : /đối tượng/i.test(t);
  for (const el of document.querySelectorAll('select')) {
    if (el.offsetParent === null) continue;
    const label = labelOf(el);
    if (match(label)) return {kind: 'select', label, id: el.id, name: el.name,
      selected: el.value, options: [...el.options].filter(o => o.value !== '').map(o => ({value: o.value, text: o.text.trim()}))};
  }
  for (const fs of document.querySelectorAll('fieldset')) {
    const legend = fs.querySelector('legend');
    const radios = [...fs.querySelectorAll('input[type=radio]')];
    if (legend && radios.length && match(legend.innerText)) return {kind: 'radio', label: legend.innerText.trim(),
      selected: (radios.find(r => r.checked) || {}).value || '',
      options: radios.map(r => ({value: r.value, text: labelOf(r)}))};
  }
  return null;
}
"""


def _choose(page: Page, choice: dict[str, Any], value: str) -> None:
    if choice["kind"] == "select":
        page.get_by_label(choice["label"], exact=True).first.select_option(value=value)
    else:
        page.locator(f"input[type=radio][value='{value}']").first.check()


def _documents(page: Page) -> list[str]:
    return [i["label"] for i in observe(page).inputs if i.get("type") == "file"]


@probe("guidance")
def guidance(s: ProbeSession) -> dict[str, Any]:
    """Is there an applicant-type choice, and does changing it change the documents asked for?"""
    doc_index = s.documents_step()
    if doc_index is None:
        return {"error": "kịch bản không có bước thành phần hồ sơ (trường kind: file)"}
    page = s.open_form()
    parked = False
    try:
        choice = evaluate_steady(page, _CHOICE_JS, s.settings.applicant_type)
        if not choice or not choice["options"]:
            return {"choice": None, "step": s.scenario.steps[0].name}
        options = choice["options"][:4]
        proposed = next((o for o in options if o["value"] == choice.get("selected")), None)
        lists: dict[str, list[str]] = {}
        untouched = True  # the page just opened: the first other option starts from it
        for option in options:
            if option is proposed:
                continue
            if not untouched:
                s.open_form(page)
            untouched = False
            _choose(page, choice, option["value"])
            lists[option["text"]] = (_documents(page) if s.advance_to(page, doc_index)
                                     else ["(không đến được bước thành phần hồ sơ)"])
        if proposed is not None:
            # The portal's own choice last, so that the form is left as the portal had it: the
            # page just opened if no other option was walked, else the documents step as the
            # last probe left it (walked with valid inputs and the portal's choices), else a
            # walk of its own. Left there for the next probe (esign).
            if untouched:
                reached = s.advance_to(page, doc_index)
            else:
                close_quietly(page)
                page = s.reach(doc_index)
                reached = page is not None
            if reached:
                lists[proposed["text"]] = _documents(page)
                s.park(page, doc_index)
                parked = True
            else:
                lists[proposed["text"]] = ["(không đến được bước thành phần hồ sơ)"]
        return {"choice": choice["label"], "options": [o["text"] for o in choice["options"]],
                "documents": {o["text"]: lists[o["text"]] for o in options if o["text"] in lists},
                "documents_step": s.scenario.steps[doc_index].name}
    finally:
        if not parked and page is not None:
            close_quietly(page)


# --------------------------------------------------------------------------- esign

_DIALOG_SELECTOR = "dialog[open], [role=dialog]:visible, [role=alertdialog]:visible, .modal.show, .modal.in"


@probe("esign")
def esign(s: ProbeSession) -> dict[str, Any]:
    """At the documents step: is there a signing control, and does it start a signing flow?"""
    from engine.probes import NEW_ERROR_SELECTOR, mark_present_errors
    doc_index = s.documents_step()
    if doc_index is None:
        return {"error": "kịch bản không có bước thành phần hồ sơ (trường kind: file)"}
    page = s.reach(doc_index)  # the page guidance left there, if any
    if page is None:
        return {"error": f"không đến được bước “{s.scenario.steps[doc_index].name}”"}
    try:
        s.fill_step(page, doc_index)
        name = s.settings.esign_button
        # The control by its exact name, else a button whose name starts with it ("Ký số tệp").
        button = (page.get_by_role("button", name=name, exact=True)
                  .or_(page.get_by_role("link", name=name, exact=True))
                  .or_(page.get_by_role("button", name=re.compile(r"^\s*" + re.escape(name), re.I)))).first
        result: dict[str, Any] = {"step": s.scenario.steps[doc_index].name, "button": name,
                                  "present": button.count() > 0, "dialog": False, "providers": [],
                                  "failure_messages": [], "signed": False}
        if not result["present"]:
            return result
        mark_present_errors(page)
        button.click()
        dialog = page.locator(_DIALOG_SELECTOR).first
        errors = page.locator(NEW_ERROR_SELECTOR)
        try:
            dialog.or_(errors.first).first.wait_for(state="visible", timeout=5000)
        except (PlaywrightError, PlaywrightTimeout):
            pass
        if dialog.count() and dialog.is_visible():
            result["dialog"] = True
            providers = [t.strip() for t in dialog.locator("li, button, [role=option], label").all_inner_texts()]
            result["providers"] = list(dict.fromkeys(
                p for p in providers if p and p.lower() not in ("đóng", "hủy", "huỷ", "close")))[:8]
            choices = dialog.locator("li button, [role=option], button").filter(
                has_not_text=re.compile(r"^(đóng|hủy|huỷ|close)$", re.I))
            # Choosing a provider may start a real remote signing (a request to the citizen's
            # phone): only on test systems.
            if s.test_system and choices.count():
                choices.first.click()
                try:
                    page.get_by_text(re.compile(r"đã ký", re.I)).first.wait_for(timeout=3000)
                    result["signed"] = True
                except (PlaywrightError, PlaywrightTimeout):
                    pass
        result["failure_messages"] = s.messages(page)
        result["screenshot"] = s.screenshot(page, "ky-so")
        return result
    finally:
        close_quietly(page)


# --------------------------------------------------------------------------- mobile_layout

#: Used only when Playwright's device list cannot be read (should not happen).
FALLBACK_DEVICES = {
    "iPhone 13": {"viewport": {"width": 390, "height": 664}, "screen": {"width": 390, "height": 844},
                  "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
                  "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 "
                                "(KHTML, like Gecko) Version/15.0 Mobile/15E148 Safari/604.1"},
    "Pixel 7": {"viewport": {"width": 412, "height": 839}, "screen": {"width": 412, "height": 915},
                "device_scale_factor": 2.625, "is_mobile": True, "has_touch": True,
                "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                              "Chrome/120.0.0.0 Mobile Safari/537.36"},
}

_LAYOUT_JS = """
(screenWidth) => {
""" + LABEL_OF_JS + """
  const de = document.documentElement;
  const wide = [];
  for (const el of document.querySelectorAll('input, select, textarea, button, table, img, form, header, main, nav, section, .card, .actions')) {
    if (el.type === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (!r.width || (!r.height && el.tagName !== 'FORM')) continue;
    if (r.right > screenWidth + 1 || r.left < -1 || r.width > screenWidth + 1) {
      const label = labelOf(el) || el.innerText || '';
      wide.push({element: el.tagName.toLowerCase(), label: label.trim().slice(0, 60), width: Math.round(r.width), right: Math.round(r.right)});
    }
  }
  return {viewport_meta: !!document.querySelector('meta[name=viewport]'), screen_width: screenWidth,
          inner_width: window.innerWidth, scroll_width: de.scrollWidth, client_width: de.clientWidth,
          overflow: de.scrollWidth > de.clientWidth + 1 || de.scrollWidth > screenWidth + 1, wide: wide.slice(0, 12),
          wide_count: wide.length};
}
"""


def _devices(s: ProbeSession) -> dict[str, dict[str, Any]]:
    try:
        return dict(s.browser.browser_type._impl_obj._playwright.devices)
    except AttributeError:
        return dict(FALLBACK_DEVICES)


@probe("mobile_layout")
def mobile_layout(s: ProbeSession) -> dict[str, Any]:
    """The form on phones: a new context per device with the signed-in state."""
    known = _devices(s)
    state = s.storage_state()
    out: dict[str, Any] = {"devices": {}}
    opened: list[tuple[str, dict[str, Any], Page]] = []
    contexts = []
    try:
        for name in s.settings.devices:
            descriptor = known.get(name)
            if descriptor is None:
                out["devices"][name] = {"error": f"không có thiết bị {name!r} trong danh sách của Playwright"}
                continue
            descriptor = {k: v for k, v in descriptor.items() if k != "default_browser_type"}
            context = s.new_context(**descriptor, storage_state=state)
            contexts.append(context)
            page = context.new_page()
            # Only until the portal answers: the phones' pages then load side by side, each in
            # its own context, while the next phone's context is made.
            page.goto(s.evidence.form.url, wait_until="commit")
            opened.append((name, descriptor, page))
        for number, (name, descriptor, page) in enumerate(opened):
            page.wait_for_load_state("load")
            _settle(page)
            layout = evaluate_steady(page, _LAYOUT_JS, descriptor["viewport"]["width"])
            layout["url"] = page.url
            # The check shows one picture: a broken phone's, else the first phone's.
            if number == 0 or layout.get("overflow") or not layout.get("viewport_meta") or layout.get("wide_count"):
                layout["screenshot"] = s.screenshot(page, "dien-thoai-" + re.sub(r"[^\w-]+", "-", name).lower())
            out["devices"][name] = layout
    finally:
        for context in contexts:
            close_quietly(context)
    return out


# --------------------------------------------------------------------------- repeats


@probe("repeats")
def repeats(s: ProbeSession) -> dict[str, Any]:
    """On a test system, walk the form and submit again (thresholds.repeats in all, the main walk
    being the first): whether each submission went through, and the time of each transition."""
    count = s.target.thresholds.repeats
    if not s.test_system or count <= 1:
        return {"attempts": [], "note": "không lặp lại việc nộp hồ sơ (chỉ lặp trên hệ thống thử nghiệm, repeats > 1)"}
    last = len(s.scenario.steps) - 1
    submit = s.scenario.steps[last].submit
    attempts = []
    for _ in range(count - 1):
        page = s.new_page()
        errors: list[dict[str, Any]] = []
        page.on("response", lambda r: errors.append({"url": r.url, "status": r.status}) if r.status >= 500 else None)
        timings: dict[str, float] = {}
        try:
            s.open_form(page)
            reached = True
            for index in range(last):
                s.fill_step(page, index)
                advanced, elapsed = s.press_next(page, index)
                if not advanced:
                    reached = False
                    break
                timings[s.scenario.steps[index].name] = round(elapsed, 3)
            if not reached or not submit:
                attempts.append({"ok": False, "where": "trước bước nộp hồ sơ", "url": page.url, "timings": timings,
                                 "messages": s.messages(page), "server_errors": errors[:3]})
                continue
            started = time.monotonic()
            direct.click(page, submit, s.timeout_ms)
            page.wait_for_load_state("load")
            # A single-page form submits with fetch and writes the outcome into the same page
            # later: wait for its success text or an error, as the main walk does; reading the
            # page at once raced the portal's answer (a success read as a failure).
            try:
                direct.wait_for(page, [{"text": s.scenario.success_text}, {"css": "[role=alert]"}], s.timeout_ms,
                                fallback=page.get_by_text(s.scenario.success_text).or_(page.locator("[role=alert]")).first)
            except (PlaywrightError, PlaywrightTimeout):
                pass  # judged below from what the page shows
            timings[s.scenario.steps[last].name] = round(time.monotonic() - started, 3)
            seen = observe(page)
            failed_text = seen.mentions("thực hiện thất bại", "đã có lỗi xảy ra", "lỗi hệ thống")
            ok = bool(seen.mentions(s.scenario.success_text)) and not errors
            attempts.append({"ok": ok, "where": "Nộp hồ sơ", "url": page.url, "timings": timings,
                             "failure_text": failed_text, "messages": [] if ok else s.messages(page),
                             "server_errors": errors[:3]})
        except (PlaywrightError, PlaywrightTimeout) as error:
            from engine.journey import _describe
            attempts.append({"ok": False, "where": "Nộp hồ sơ", "error_text": _describe(error), "timings": timings,
                             "server_errors": errors[:3]})
        finally:
            close_quietly(page)
    return {"attempts": attempts}


# --------------------------------------------------------------------------- privacy


@probe("privacy")
def privacy(s: ProbeSession) -> dict[str, Any]:
    """An anonymous browser opens the unit's dossier lookup with the walk's dossier code."""
    code = s.evidence.submission.get("dossier_code")
    if not code:
        return {"error": "không có mã hồ sơ để tra cứu (hành trình chưa nộp được hồ sơ thật)"}
    page = s.anonymous_context().new_page()
    try:
        url = s.fill(s.settings.lookup_page)
        page.goto(url, wait_until="load")
        from engine.scenario import FieldSpec
        direct.fill(page, FieldSpec("lookup", s.settings.lookup_field), code)
        direct.click(page, s.settings.lookup_button)
        _settle(page)
        seen = observe(page)
        shown = [key for key in ("HoVaTen", "SoDinhDanh", "SoDienThoai", "ThuongTru")
                 if s.citizen.get(key) and s.citizen[key].lower() in seen.text.lower()]
        return {"lookup_page": url, "result_url": page.url, "code": code, "shown": shown,
                "asks_login": bool(seen.mentions("đăng nhập")), "text": seen.text[:400],
                "screenshot": s.screenshot(page, "tra-cuu-an-danh")}
    finally:
        close_quietly(page)


# --------------------------------------------------------------------------- identity_account


@probe("identity_account")
def identity_account(s: ProbeSession) -> dict[str, Any]:
    """The unit's login page, as an anonymous visitor finds it: what accounts does it offer?"""
    from engine.journey import clickable
    page = s.anonymous_context().new_page()
    try:
        if s.settings.login_page:
            page.goto(s.fill(s.settings.login_page), wait_until="load")
            found_by = "địa chỉ khai báo"
        else:
            page.goto(s.fill(s.settings.login_home), wait_until="load")
            link = clickable(page, s.settings.login_link)
            if not direct.shows(page, [{"control": s.settings.login_link}], fallback=link):
                return {"found": False, "home": page.url}
            direct.click(page, s.settings.login_link)
            page.wait_for_load_state("load")
            found_by = f"liên kết “{s.settings.login_link}” trên trang chủ"
        _settle(page)
        seen = observe(page)
        labels = [i["label"] for i in seen.inputs if i.get("type") not in ("hidden", "submit", "button")]
        own = seen.password_fields > 0 or any(re.search(r"tên đăng nhập|tài khoản|mật khẩu", l, re.I) for l in labels)
        return {"found": True, "found_by": found_by, "url": page.url, "password_fields": seen.password_fields,
                "labels": labels, "own_accounts": own, "vneid": bool(seen.mentions("VNeID", "định danh điện tử")),
                "screenshot": s.screenshot(page, "dang-nhap-don-vi")}
    finally:
        close_quietly(page)


NEEDS_NO_FORM.add("identity_account")


# --------------------------------------------------------------------------- after_submission


def _dossier_view(page: Page, url: str, code: str) -> dict[str, Any]:
    response = page.goto(url, wait_until="load")
    _settle(page)
    seen = observe(page)
    status = response.status if response else None
    return {"url": page.url, "status": status, "shows_code": code in seen.text,
            "found": bool(status is None or status < 400) and code in seen.text
                     and not seen.mentions("không tìm thấy"),
            "text": seen.text[:500]}


@probe("after_submission")
def after_submission(s: ProbeSession) -> dict[str, Any]:
    """After the walk's submission: the citizen's dossier page; on a test system declaring it, the
    agency processes the dossier; then the dossier page again and the personal data store."""
    code = s.evidence.submission.get("dossier_code")
    if not code:
        return {"error": "không có mã hồ sơ (hành trình chưa nộp được hồ sơ thật)"}
    page = s.new_page()
    try:
        dossier_url = s.fill(s.settings.dossier_page)
        out: dict[str, Any] = {"code": code, "before": _dossier_view(page, dossier_url, code)}
        process = s.environment.back_office.get("process_dossier")
        if not (s.test_system and process):
            out["processed"] = False
            out["note"] = "môi trường không khai báo bước xử lý hồ sơ của cơ quan (chỉ có trên hệ thống thử nghiệm)"
            return out
        response = page.context.request.fetch(s.fill(process["url"]), method=process.get("method", "POST"))
        out["processed"] = response.ok
        out["processing_status"] = response.status
        out["after"] = _dossier_view(page, dossier_url, code)
        out["after"]["screenshot"] = s.screenshot(page, "tien-do-ho-so")
        store_url = s.fill(s.settings.data_store)
        page.goto(store_url, wait_until="load")
        _settle(page)
        text = direct.last_text_holding(page, "article, li, tr, .card", code)
        if text is None:  # the page could not be read by a plain script: Playwright reads it
            entry = page.locator("article, li, tr, .card").filter(has_text=code)
            text = entry.last.inner_text() if entry.count() else ""
        lowered = text.lower()
        out["store"] = {"url": page.url, "entry_found": bool(text), "entry": text[:300],
                        "signed": bool(text) and "đã ký số" in lowered and "chưa ký số" not in lowered,
                        "screenshot": s.screenshot(page, "kho-du-lieu")}
        return out
    finally:
        close_quietly(page)


@probe("handoff_repeats")
def handoff_repeats(session: ProbeSession) -> dict[str, Any]:
    """The hand-off from the national portal, again, ``thresholds.repeats - 1`` times, each in a
    fresh tab: a redirect that works two times in three is not "điều hướng chính xác"."""
    from engine.journey import Journey
    attempts = []
    for index in range(2, session.target.thresholds.repeats + 1):
        page = session.new_page()
        repeat = Journey(page, session.journey.ctx, label=f"handoff-{index}-")
        try:
            repeat.national_portal()
            ev = repeat.evidence
            attempts.append({"attempt": index, "landing": ev.landing.to_dict() if ev.landing else None,
                             "error": ev.handoff_error or ev.national_error, "challenge": ev.challenge,
                             "elapsed_s": ev.handoff_elapsed_s})
        finally:
            repeat.detach()
            close_quietly(repeat.page)
    return {"attempts": attempts}


NEEDS_NO_FORM.add("handoff_repeats")
