"""Issue 2, end to end in real Chromium: national portal -> SSO -> unit portal -> checks.

The reference portal passes all four criteria; each defective profile fails exactly the
criterion it breaks, and what the journey cannot reach is "không kiểm tra được"."""
from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import ROOT, run_pytest_tool, write_scenario

pytestmark = pytest.mark.e2e

EXPECTED = {
    "tham-chieu":        {"redirect": "dat", "service_exists": "dat", "sso": "dat", "autofill": "dat"},
    "dang-nhap-lai":     {"redirect": "dat", "service_exists": "dat", "sso": "chua_dat", "autofill": "dat"},
    "dang-ky-tai-khoan": {"redirect": "dat", "service_exists": "khong_kiem_tra_duoc", "sso": "chua_dat",
                          "autofill": "khong_kiem_tra_duoc"},
    "khong-tu-dien":     {"redirect": "dat", "service_exists": "dat", "sso": "dat", "autofill": "chua_dat"},
    "ve-trang-chu":      {"redirect": "chua_dat", "service_exists": "dat", "sso": "dat", "autofill": "dat"},
    "khong-ton-tai":     {"redirect": "dat", "service_exists": "chua_dat", "sso": "khong_kiem_tra_duoc",
                          "autofill": "khong_kiem_tra_duoc"},
}


@pytest.fixture(scope="module")
def backbone_run(sandbox, tmp_path_factory):
    """One run of the real 2.000635 scenario over all six v1 profiles."""
    folder = tmp_path_factory.mktemp("backbone")
    run_dir = folder / "run"
    scenario = write_scenario(folder, ROOT / "sandbox" / "scenarios" / "2.000635.yaml", targets=list(EXPECTED))
    return run_pytest_tool([scenario], run_dir,
                           "--dvc-criteria", "redirect,service_exists,sso,autofill",
                           "--junitxml", str(run_dir / "junit.xml"), "-rA", urls_file=sandbox["urls_file"])


@pytest.mark.parametrize("target", list(EXPECTED))
def test_each_profile_gets_its_verdicts(backbone_run, target):
    outcomes = backbone_run.outcomes()
    got = {criterion: outcomes.get((target, criterion)) for criterion in EXPECTED[target]}
    assert got == EXPECTED[target], backbone_run.output[-3000:]


def test_every_verdict_has_a_sentence_and_reason_when_unjudged(backbone_run):
    for record in backbone_run.records:
        assert record["sentence"].strip(), record
        if record["outcome"] == "khong_kiem_tra_duoc":
            assert record["reason"], record


def test_report_and_summary_are_written(backbone_run):
    index = (backbone_run.run_dir / "index.html").read_text(encoding="utf-8")
    assert "chưa thực hiện điều hướng chính xác" in index.lower()  # "Tuy nhiên, chưa ..." in the paragraph
    assert "đã tái sử dụng dữ liệu" in index
    assert "(Đã kiểm tra điểm đối với mã TTHC 2.000635)" in index
    summary = json.loads((backbone_run.run_dir / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["units"]) == len(EXPECTED)
    assert "dvc-conformance" in backbone_run.output and "báo cáo:" in backbone_run.output


def test_handoff_carries_the_national_portal_parameters(backbone_run):
    record = next(r for r in backbone_run.records if r["target"] == "tham-chieu" and r["criterion"] == "redirect")
    params = record["evidence"]["parameters"]
    assert params["MaTTHC"] == "2.000635" and params["vneid"] == "1"
    assert {"MaTTHCDP", "MaCoQuanThucHien", "MaDVC"} <= set(params)


def test_no_personal_data_in_clear_in_the_run_folder(backbone_run):
    import yaml
    citizens = yaml.safe_load((ROOT / "config" / "citizens.yaml").read_text(encoding="utf-8"))
    secrets = [v for c in citizens.values() for k, v in c.items()
               if k in ("SoDinhDanh", "HoVaTen", "SoDienThoai", "ThuDienTu", "ThuongTru", "password")]
    texts = {"terminal output": backbone_run.output}
    for path in backbone_run.run_dir.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".html", ".xml", ".txt", ".log"):
            texts[path.name] = path.read_text(encoding="utf-8")
    assert "junit.xml" in texts
    for name, text in texts.items():
        for secret in secrets:
            assert str(secret) not in text, f"{secret!r} in clear in {name}"
        # No bearer token, ID token or authorization code either.
        assert not re.search(r"eyJ[\w-]{10,}\.[\w-]{10,}", text), f"a JWT in {name}"
        assert not re.search(r"[?&#](code|state|nonce|access_token|id_token)=(?!\[đã che\])", text), \
            f"an OpenID Connect secret in a URL in {name}"


def test_junit_carries_outcome_and_sentence(backbone_run):
    import xml.etree.ElementTree as ET
    tree = ET.parse(backbone_run.run_dir / "junit.xml")
    props = {p.get("name"): p.get("value") for p in tree.iter("property")}
    assert props.get("outcome") in {"dat", "chua_dat", "khong_kiem_tra_duoc"}
    assert props.get("sentence")


def test_two_workers_keep_a_trace_per_failing_target(run_tool, tmp_path):
    """``-n 2`` walks each target once (its items stay on one worker) and
    ``--tracing retain-on-failure`` keeps the trace of the failing target only."""
    from tests.e2e.conftest import write_scenario
    scenario = write_scenario(tmp_path, ROOT / "sandbox" / "scenarios" / "2.000635.yaml", targets=["tham-chieu", "ve-trang-chu"])
    run = run_tool("-n", "2", "--tracing", "retain-on-failure", "--dvc-criteria", "redirect,sso",
                   scenarios=[scenario])
    items = [r["item"] for r in run.records]
    assert len(items) == 4 and len(set(items)) == 4, run.output[-2000:]
    traces = sorted(p.parent.name for p in run.run_dir.rglob("trace.zip"))
    assert traces == ["2.000635-ve-trang-chu"], run.output[-2000:]
