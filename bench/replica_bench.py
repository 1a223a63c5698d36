"""Benchmark: wall time, CPU and peak memory of a run of N targets with 1, 2, … workers.

For each size N (``--sizes 10,40,all``) the first N targets of the scenarios (in file order,
then target order) — with ``--units``, every target of the first N units in the letter's order
— are copied into a scratch ``scenarios/`` folder, and the tool runs them
through pytest as ``dvc-conformance run`` does (``-p engine.plugin``, ``-n W --dist
loadscope`` for W > 1, the report built at the end, no catalog sweep), once per worker count,
alternating which worker count goes first from one size to the next. Each run gets an
embedded sandbox of its own (``--sandbox-set``: ``lab``, ``replica``, ``all``), started
before its clock starts, as ``dvc-conformance run`` starts one: a sandbox shared by the runs
would keep every earlier run's dossiers, and the citizen's data store and dossier list (pages
the probes read) would grow from run to run, making the later runs pay for the earlier ones.

Printed per (N, workers): wall time, seconds per target, peak memory of the pytest process
tree (pytest, xdist workers, Playwright drivers, every Chromium process), as the sum of RSS
and, where the kernel gives it, the sum of PSS (RSS counts the pages Chromium's processes
share once per process; PSS splits them, so it is the closer figure of what the run takes),
how busy the machine's cores were during the run (/proc/stat, the sandbox and anything else
included: near 100 % on a quiet machine means more workers cannot help, less CPU per target
can); then each worker count's
ratio to 1 worker. RSS is sampled every ``--sample-s`` seconds, PSS every ``--pss-sample-s``
(psutil when installed, else /proc); the sampler's own CPU seconds are printed with each run
("CPU đo"), since on 2 cores the measuring takes from the run measured.

    python bench/replica_bench.py [--scenarios sandbox/scenarios/2.000635.yaml] [--sandbox-set lab]
                                  [--sizes 10,40,all] [--workers 1,2,4] [--criteria a,b] [--budget-s 5400]

The 79-unit replica, growth by units (the README's table):
``--scenarios scenarios --sandbox-set replica --units --sizes 10,40,all --workers 1,2,4 --keep``
(~52 min on this 2-core machine on 05/12, within the default budget of 90 min)
(``--keep`` leaves the run folders, e.g. for ``dvc-conformance agreement`` on the full one).
Outcomes are not judged here (the e2e tests do that); a run that collects nothing or stops
with a usage error (exit code 2+ other than 1) is reported as failed with its output's tail.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.config import SANDBOX_URLS_VARIABLE  # noqa: E402
from engine.processes import process_tree  # noqa: E402
from engine.sandbox_process import SandboxProcess  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- memory of a process tree


def _memory_proc(root: int, with_pss: bool = True) -> tuple[int, int | None]:
    """(sum of RSS, sum of PSS or None) of a process and its descendants, in bytes."""
    rss, pss, pss_known = 0, 0, with_pss
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/statm") as f:
                rss += int(f.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
        if not with_pss:
            continue
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except OSError:
            pss_known = False
    return rss, (pss if pss_known else None)


def _memory_psutil(root: int, with_pss: bool = True) -> tuple[int, int | None]:
    import psutil
    try:
        top = psutil.Process(root)
        processes = [top, *top.children(recursive=True)]
    except psutil.Error:
        return 0, None
    rss, pss, pss_known = 0, 0, with_pss
    for process in processes:
        try:
            if with_pss:
                info = process.memory_full_info()
                pss += getattr(info, "pss", 0)
                pss_known = pss_known and hasattr(info, "pss")
            else:
                info = process.memory_info()
            rss += info.rss
        except psutil.AccessDenied:
            try:
                rss += process.memory_info().rss
            except psutil.Error:
                pass
            pss_known = False
        except psutil.Error:
            pass
    return rss, (pss if pss_known else None)


try:
    import psutil  # noqa: F401
    memory_of = _memory_psutil
    SAMPLER = "psutil"
except ImportError:
    memory_of = _memory_proc
    SAMPLER = "/proc"


class PeakSampler(threading.Thread):
    """Peak RSS every ``every_s``, peak PSS every ``pss_every_s``: the kernel walks every
    mapping of a process to give its PSS (~1 ms per Chromium process, ~37 ms for a 4-worker
    run's 38 processes), so sampling it as often as RSS took ~4 % of this 2-core machine from
    the run being measured. The sampler's own CPU time is kept (``cpu_s``) and printed."""

    def __init__(self, pid: int, every_s: float, pss_every_s: float):
        super().__init__(daemon=True)
        self.pid, self.every_s, self.pss_every_s = pid, every_s, pss_every_s
        self.peak_rss, self.peak_pss, self.samples = 0, None, 0
        self.cpu_s = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        next_pss = 0.0
        while not self.done.is_set():
            with_pss = time.monotonic() >= next_pss
            if with_pss:
                next_pss = time.monotonic() + self.pss_every_s
            rss, pss = memory_of(self.pid, with_pss)
            self.samples += 1
            self.peak_rss = max(self.peak_rss, rss)
            if pss is not None:
                self.peak_pss = max(self.peak_pss or 0, pss)
            self.cpu_s = time.thread_time()
            self.done.wait(self.every_s)


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot (/proc/stat; zeros elsewhere):
    how busy the cores were during a run tells whether more workers could still help."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])


# --------------------------------------------------------------------------- targets


def scenario_files(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    return sorted(p for p in source.rglob("*.y*ml")
                  if p.suffix in (".yaml", ".yml") and not p.name.startswith("_") and "families" not in p.parts)


def all_targets(files: list[Path]) -> list[tuple[Path, str, str]]:
    """(scenario file, target id, unit id) of every target, in file then target order."""
    out = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for target in data.get("targets") or []:
            out.append((path, target["id"], target.get("unit") or target["id"]))
    return out


def first_units(targets: list[tuple[Path, str, str]], n: int) -> list[tuple[Path, str, str]]:
    """Every target of the first ``n`` units in the letter's order (section I, then II, as
    the registry lists them; units it does not know go last, by id): a size in units, the
    way the issue counts the replica (10, 40, 79 units)."""
    from engine.units import registry
    rank = {u.id: i for i, u in enumerate(registry().units())}
    units = sorted({t[2] for t in targets}, key=lambda u: (rank.get(u, len(rank)), u))[:n]
    return [t for t in targets if t[2] in set(units)]


def write_selection(folder: Path, chosen: list[tuple[Path, str, str]]) -> Path:
    """A ``scenarios/`` folder (the plugin collects YAML files in a folder of that name) with
    each scenario file restricted to its chosen targets; families beside the sources too."""
    scenarios = folder / "scenarios"
    scenarios.mkdir(parents=True)
    by_file: dict[Path, set[str]] = {}
    for path, target, _unit in chosen:
        by_file.setdefault(path, set()).add(target)
    names: set[str] = set()
    for path, targets in by_file.items():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["targets"] = [t for t in data["targets"] if t["id"] in targets]
        name = path.name
        while name in names:  # two sources with one file name (folders per unit): keep both
            name = f"_{len(names)}-{path.name}".lstrip("_")
        names.add(name)
        (scenarios / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        families = path.parent / "families"
        if families.is_dir() and not (scenarios / "families").exists():
            shutil.copytree(families, scenarios / "families")
    return scenarios


# --------------------------------------------------------------------------- one run


def run_once(scenarios: Path, run_dir: Path, workers: int, args, urls_file: Path) -> dict:
    command = [sys.executable, "-m", "pytest", str(scenarios), "--rootdir", str(ROOT), "-p", "engine.plugin",
               "-p", "no:cacheprovider", "--dvc-run-dir", str(run_dir), "-q"]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "loadscope"]
    if args.criteria:
        command += ["--dvc-criteria", args.criteria]
    if args.no_report:
        command += ["--dvc-no-report"]
    environ = dict(os.environ, **{SANDBOX_URLS_VARIABLE: str(urls_file)})
    log = run_dir.with_suffix(".log")
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    started, ticks_before = time.monotonic(), machine_ticks()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
        sampler = PeakSampler(process.pid, args.sample_s, args.pss_sample_s)
        sampler.start()
        try:
            code = process.wait(timeout=args.run_timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        finally:
            sampler.done.set()
            sampler.join()
    wall = time.monotonic() - started
    busy, total = (after - before for after, before in zip(machine_ticks(), ticks_before))
    results = run_dir / "results.jsonl"
    items = sum(1 for _ in results.open(encoding="utf-8")) if results.exists() else 0
    return {"code": code, "wall_s": wall, "peak_rss": sampler.peak_rss, "peak_pss": sampler.peak_pss,
            "samples": sampler.samples, "sampler_cpu_s": sampler.cpu_s, "items": items, "log": log,
            "busy": busy / total if total else None}


# --------------------------------------------------------------------------- the machine's speed


def reference_walk_s(walks: int, side_by_side: int = 1) -> float | None:
    """Seconds of a hand-written Playwright script walking the lab reference target's main
    journey (bench/overhead_bench.py's baseline, median of ``walks``, each copy on a sandbox of
    its own), with ``side_by_side`` copies at once (the median of their medians), or None when
    it could not run. This machine is shared and its speed drifts: the same code ran the full
    replica (4 workers) in 4 min 55 s early on 05/12 and 7 min 2 s a few hours later, while
    with one worker the later run was only 1,12 times slower: what moved most is what two cores
    give together, hence the script measured alone and two at once. Seconds of two runs compare only next to their
    references."""
    import json
    import statistics
    command = [sys.executable, str(ROOT / "bench" / "overhead_bench.py"), "--runs", str(walks), "--all-runs", "0",
               "--no-profile", "--json"]
    copies = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
              for _ in range(side_by_side)]
    medians = []
    for copy in copies:
        try:
            out, _ = copy.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            copy.kill()
            copy.communicate()
            continue
        line = next((l for l in reversed(out.splitlines()) if l.startswith("{")), None)
        script_s = json.loads(line).get("script_s") if line else None
        if script_s:
            medians.append(script_s)
    return statistics.median(medians) if len(medians) == side_by_side else None


def machine_reference(walks: int) -> tuple[float | None, float | None]:
    """(the script alone, two copies at once), in seconds per walk."""
    return reference_walk_s(walks), reference_walk_s(walks, side_by_side=2)


def _reference_text(reference: tuple[float | None, float | None]) -> str:
    alone, two = (f"{v:.2f} s".replace(".", ",") if v is not None else "không đo được" for v in reference)
    return f"một mình {alone}, hai bản cùng lúc {two}"


# --------------------------------------------------------------------------- the bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=Path, default=ROOT / "sandbox" / "scenarios" / "2.000635.yaml",
                        help="a scenario file or a folder of them (searched recursively, families/ left out)")
    parser.add_argument("--sandbox-set", default="lab", help="the sandbox's unit set (python -m sandbox --set)")
    parser.add_argument("--sizes", default="10,40,all", help="numbers of targets (or of units with --units), "
                                                                 "'all' for every one")
    parser.add_argument("--units", action="store_true",
                        help="sizes count units (the letter's order), each with all its targets")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument("--criteria", default=None, help="only these criteria (--dvc-criteria); default: all")
    parser.add_argument("--exclude", default="", help="target ids to leave out (e.g. units built to hang)")
    parser.add_argument("--no-report", action="store_true", help="do not build the HTML report at the end of each run")
    parser.add_argument("--sample-s", type=float, default=0.5, help="RSS sampling interval")
    parser.add_argument("--pss-sample-s", type=float, default=2.0,
                        help="PSS sampling interval (each PSS sample costs the kernel a walk of every mapping)")
    parser.add_argument("--run-timeout-s", type=float, default=3600)
    parser.add_argument("--budget-s", type=float, default=5400,
                        help="stop before a run whose projected time (from the last cost per target) would not fit")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (run folders, logs)")
    parser.add_argument("--reference-walks", type=int, default=5,
                        help="walks of the hand-written script measuring the machine before the first run and "
                             "after the last (0: none)")
    args = parser.parse_args(argv)

    files = scenario_files(args.scenarios.resolve())
    excluded = {t.strip() for t in args.exclude.split(",") if t.strip()}
    targets = [(p, t, u) for p, t, u in all_targets(files) if t not in excluded]
    if not targets:
        print(f"Không có mục tiêu nào trong {args.scenarios}.")
        return 2
    unit_count = len({t[2] for t in targets})
    available = unit_count if args.units else len(targets)
    sizes = []
    for raw in args.sizes.split(","):
        raw = raw.strip()
        n = available if raw == "all" else int(raw)
        if n > available:
            print(f"Cỡ {n}: chỉ có {available} {'đơn vị' if args.units else 'mục tiêu'}, dùng {available}.")
            n = available
        if n not in sizes:
            sizes.append(n)
    selections = {n: first_units(targets, n) if args.units else targets[:n] for n in sizes}
    worker_counts = [int(w) for w in args.workers.split(",")]

    scratch = Path(tempfile.mkdtemp(prefix="dvc-replica-bench-"))
    t0 = time.monotonic()
    print(f"{len(targets)} mục tiêu ({unit_count} đơn vị) trong {len(files)} tệp kịch bản ({args.scenarios}); sandbox --set "
          f"{args.sandbox_set}; bộ nhớ lấy mẫu qua {SAMPLER}, RSS mỗi {args.sample_s} s, "
          f"PSS mỗi {args.pss_sample_s} s; thư mục tạm {scratch}.")
    reference_before = machine_reference(args.reference_walks) if args.reference_walks else None
    if reference_before:
        print(f"Thước đo máy trước các lần chạy (kịch bản Playwright viết tay, hành trình chính của mục tiêu mẫu, "
              f"trung vị {args.reference_walks} lượt): {_reference_text(reference_before)}.")
    try:
        print(f"{'đơn vị' if args.units else 'N':>6} {'mục tiêu':>8} {'luồng':>5} {'thời gian (s)':>13} "
              f"{'s/mục tiêu':>11} {'s/đơn vị':>9} {'RSS đỉnh (MB)':>14} {'PSS đỉnh (MB)':>14} {'mục':>5} "
              f"{'mã thoát':>8} {'máy bận':>7} {'CPU đo (s)':>10}")
        rows: dict[tuple[int, int], dict] = {}
        per_target_estimate = None
        for k, n in enumerate(sizes):
            chosen = selections[n]
            folder = write_selection(scratch / f"n{n}", chosen)
            n_targets, n_units = len(chosen), len({t[2] for t in chosen})
            order = worker_counts if k % 2 == 0 else list(reversed(worker_counts))
            for workers in order:
                remaining = args.budget_s - (time.monotonic() - t0)
                if per_target_estimate and per_target_estimate * n_targets / workers > remaining:
                    print(f"{n:>6} {n_targets:>8} {workers:>5}  bỏ qua: ước tính "
                          f"{per_target_estimate * n_targets / workers:.0f} s, còn {remaining:.0f} s trong ngân sách")
                    continue
                sandbox = SandboxProcess(extra_args=["--set", args.sandbox_set] if args.sandbox_set else [])
                try:
                    sandbox.start(timeout_s=120)
                    row = run_once(folder, scratch / f"n{n}" / f"run-w{workers}", workers, args, sandbox.urls_file)
                finally:
                    sandbox.stop()
                rows[(n, workers)] = row
                per_target_estimate = row["wall_s"] * workers / n_targets
                pss = f"{row['peak_pss'] / 2**20:14.0f}" if row["peak_pss"] is not None else f"{'–':>14}"
                print(f"{n:>6} {n_targets:>8} {workers:>5} {row['wall_s']:>13.1f} {row['wall_s'] / n_targets:>11.2f} "
                      f"{row['wall_s'] / n_units:>9.2f} {row['peak_rss'] / 2**20:>14.0f} {pss} {row['items']:>5} "
                      f"{row['code']:>8} "
                      + (f"{row['busy']:>6.0%}" if row["busy"] is not None else f"{'–':>7}")
                      + f" {row['sampler_cpu_s']:>10.1f}", flush=True)
                if row["code"] not in (0, 1):
                    tail = row["log"].read_text(encoding="utf-8", errors="replace")[-1500:]
                    print(f"     lần chạy lỗi (mã {row['code']}), cuối nhật ký {row['log']}:\n{tail}")
        if 1 in worker_counts and len(worker_counts) > 1:
            print("Tỉ lệ so với 1 luồng (thời gian; RSS đỉnh):")
            for n in sizes:
                one = rows.get((n, 1))
                for workers in (w for w in worker_counts if w != 1):
                    other = rows.get((n, workers))
                    if one and other:
                        print(f"  N={n:<4} {workers} luồng: thời gian {other['wall_s'] / one['wall_s']:.2f}; "
                              f"bộ nhớ {other['peak_rss'] / max(1, one['peak_rss']):.2f}")
        if args.reference_walks:
            reference_after = machine_reference(args.reference_walks)
            print(f"Thước đo máy sau các lần chạy: {_reference_text(reference_after)} "
                  f"(trước: {_reference_text(reference_before)}); "
                  "so sánh số giây của hai ngày khác nhau chỉ có nghĩa khi thước đo gần nhau.")
        print(f"Tổng thời gian: {time.monotonic() - t0:.1f} s.")
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
