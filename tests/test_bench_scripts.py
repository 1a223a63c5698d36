"""The benchmark scripts run from a checkout and print their ratios (issue #8: "the scripts run
from a clean checkout after the README's set-up, print ratios").

Each script runs at its smallest size, on its own embedded sandbox: what is asserted is that it
finishes, measures both sides and prints the figures the README's table is filled from, not
the figures themselves (absolute seconds on a shared 2-core machine say nothing in a test).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RATIO = r"\d+[.,]\d\d"

pytestmark = pytest.mark.e2e


def _bench(script: str, *args: str, timeout_s: float = 240) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout_s)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    return output


def test_overhead_bench_prints_the_tool_to_script_ratio_and_the_cost_per_target():
    output = _bench("overhead_bench.py", "--runs", "2", "--all-runs", "1")
    rounds = re.findall(rf"^\s+\d+\s+({RATIO})\s+({RATIO})\s+({RATIO})$", output, re.MULTILINE)
    assert len(rounds) == 2, output[-3000:]
    for script_s, tool_s, ratio in rounds:
        script, tool = float(script_s.replace(",", ".")), float(tool_s.replace(",", "."))
        assert script > 0 and tool > 0
        assert float(ratio.replace(",", ".")) == pytest.approx(tool / script, abs=0.011)
    assert re.search(rf"Trung vị tỉ lệ công cụ/kịch bản tay \(hành trình chính\): {RATIO}", output), output[-3000:]
    assert "Chi phí mỗi mục tiêu, mọi tiêu chí" in output
    verdicts = re.search(r"kết luận: (.+)", output).group(1)
    assert verdicts.count("=") >= 15  # every criterion of the target judged, none lost
    # The profile: each probe's wall seconds, page loads and CPU seconds, and what the probes'
    # CPU is of the whole target's (it cannot be more).
    probes = re.findall(rf"^\s+(\w+)\s+({RATIO})\s+\d+ trang\s+CPU\s+({RATIO}) s$", output, re.MULTILINE)
    assert len(probes) >= 8, output[-3000:]
    assert all(float(cpu_s.replace(",", ".")) >= 0 for _, _, cpu_s in probes)
    share = re.search(rf"CPU của mọi probe ({RATIO}) s trên ({RATIO}) s của cả mục tiêu", output)
    assert share, output[-3000:]
    probes_cpu, target_cpu = (float(v.replace(",", ".")) for v in share.groups())
    assert 0 < probes_cpu <= target_cpu + 0.01


def test_replica_bench_prints_a_row_per_worker_count_and_their_ratio():
    output = _bench("replica_bench.py", "--sizes", "1", "--workers", "1,2", "--no-report", "--reference-walks", "1")
    reference = r"một mình \d+,\d\d s, hai bản cùng lúc \d+,\d\d s"
    assert re.search(rf"Thước đo máy trước các lần chạy .*: {reference}\.", output), output[-3000:]
    assert re.search(rf"Thước đo máy sau các lần chạy: {reference}", output), output[-3000:]
    rows = [line.split() for line in output.splitlines() if re.match(r"^\s+1\s+1\s+[12]\s+\d+\.\d\s", line)]
    assert sorted(fields[2] for fields in rows) == ["1", "2"], output[-3000:]
    for fields in rows:
        line = " ".join(fields)
        items, exit_code = int(fields[8]), int(fields[9])
        assert items >= 15, line  # the target's criteria all have a result line
        assert exit_code in (0, 1), line
    assert re.search(rf"N=1\s+2 luồng: thời gian {RATIO}; bộ nhớ {RATIO}", output), output[-3000:]


def test_sweep_bench_prints_links_per_second_against_the_plain_client():
    output = _bench("sweep_bench.py", "--links-per-host", "1", "--multipliers", "1", "--repeat", "1",
                    "--budget-s", "120")
    row = re.search(r"^\s+1×\s+(\d+)\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d\d)\s", output, re.MULTILINE)
    assert row, output[-3000:]
    links, plain, sweep, ratio = int(row[1]), float(row[2]), float(row[3]), float(row[4])
    assert links > 0 and plain > 0 and sweep > 0
    assert ratio == pytest.approx(sweep / plain, abs=0.011)
    assert "Mục tiêu tỉ lệ sweep/thường ≥ 0,9:" in output
