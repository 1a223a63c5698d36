"""Command line: ``dvc-conformance run | sandbox | report | criteria``.

``run`` is the nightly job: it starts the embedded sandbox when the environment asks for
it, runs the scenarios through pytest (so every pytest and pytest-playwright option works),
builds the reports and ends with a one-line summary. Exit codes, for schedulers and CI:
0 every judged criterion conforms, 1 some units do not conform, 2 the tool could not run,
3 the saved login session of a real portal is missing or expired (nothing was run).

``agreement`` compares a run with the findings of the letter (engine/agreement.py);
``merge`` builds one run folder from the folders of shards (``run --shard i/n``);
``login`` saves a hand-made login session for the real portals.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_CONFORM, EXIT_NONCONFORM, EXIT_TOOL_ERROR, EXIT_SESSION = 0, 1, 2, 3
ROOT = Path(__file__).resolve().parent.parent


#: Memory one worker takes at its peak (its browser, Playwright's driver, pytest): the
#: replica bench measured 400-500 MB (PSS) per worker; a margin on top.
WORKER_MEMORY_BYTES = 700 * 2**20


def default_workers() -> int:
    """Two workers per core, at most 8, as many as the free memory holds. A worker spends much
    of its time waiting for portals (a screen that takes seconds, a hand-off, a sign-in), so
    one per core leaves the cores idle: on the 2-core bench machine the first 40 units took
    313 s with 2 workers and 206 s with 4 (bench/replica_bench.py)."""
    cores = os.cpu_count() or 1
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            available = next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable:"))
        by_memory = max(1, available // WORKER_MEMORY_BYTES)
    except (OSError, StopIteration, ValueError, IndexError):
        by_memory = 8
    return max(1, min(2 * cores, 8, by_memory))


def _criteria_choices() -> tuple[str, ...]:
    import checks
    return tuple(c.criterion.id for c in checks.registered())


def cmd_run(args: argparse.Namespace, passthrough: list[str]) -> int:
    import pytest
    from engine import results as results_io
    from engine.verdict import CHUA_DAT, MOT_PHAN

    if args.resume and not args.run_dir:
        from engine.shard import latest_run_dir
        latest = latest_run_dir(ROOT / "reports" / "runs")
        if latest is None:
            print("dvc-conformance: --resume: không có lần chạy nào trong reports/runs", file=sys.stderr)
            return EXIT_TOOL_ERROR
        args.run_dir = str(latest)
        print(f"dvc-conformance: chạy tiếp {args.run_dir}", file=sys.stderr)
    if not args.run_dir:
        import datetime as dt
        stamp = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).strftime("%Y%m%d-%H%M%S")
        args.run_dir = str(ROOT / "reports" / "runs" / stamp)
    pytest_args = [str(Path(p)) for p in (args.scenarios or [str(ROOT / "scenarios")])]
    # The plugin explicitly: the root conftest.py is not read for scenario folders outside the repository.
    pytest_args += ["--rootdir", str(ROOT), "-p", "engine.plugin", "-p", "no:cacheprovider", "--dvc-run-dir", args.run_dir,
                    "--dvc-env", args.env, "-q", "-rN", "--no-header"]
    if args.criteria:
        pytest_args += ["--dvc-criteria", args.criteria]
    if args.workers and args.workers != "0":
        pytest_args += ["-n", args.workers, "--dist", "loadscope"]
    if args.headed:
        pytest_args += ["--headed"]
    if args.junit:
        pytest_args += ["--junitxml", str(Path(args.run_dir) / "junit.xml")]
    if args.shard:
        pytest_args += ["--dvc-shard", args.shard]
    if args.resume:
        pytest_args += ["--dvc-resume"]
    if args.target_budget is not None:
        pytest_args += ["--dvc-target-budget", str(args.target_budget)]
    if args.cdp_endpoint:
        pytest_args += ["--dvc-cdp-endpoint", args.cdp_endpoint]
    if args.ws_endpoint:
        pytest_args += ["--dvc-ws-endpoint", args.ws_endpoint]
    pytest_args += ["-k", args.k] if args.k else []
    pytest_args += passthrough
    os.chdir(ROOT)
    from engine.login import SESSION_EXIT_STATUS
    code = pytest.main(pytest_args)
    if code == SESSION_EXIT_STATUS:
        print("dvc-conformance: phiên đăng nhập đã lưu không dùng được; không chạy mục nào (mã thoát 3).",
              file=sys.stderr)
        return EXIT_SESSION
    records = results_io.read_results(Path(args.run_dir))
    if code == 0 and not records and args.shard:
        print(f"dvc-conformance: phân đoạn {args.shard} không có mục nào.", file=sys.stderr)
        return EXIT_CONFORM
    if code not in (0, 1) or not records:
        print("dvc-conformance: công cụ không chạy được đến cuối (xem thông báo ở trên).", file=sys.stderr)
        return EXIT_TOOL_ERROR
    if not (args.no_sweep or args.k or args.criteria or args.shard or args.resume or args.scenarios):
        # The nightly job: the catalog sweep (every declared service, over HTTP) into the same
        # run, so the appendix has declared vs working counts beside the deep checks.
        from engine import sweep
        from engine.report import build_reports, summary_line
        sweep.main(["--env", args.env, "--run-dir", args.run_dir, "--no-report"])
        from engine.config import load_citizens, personal_strings
        build_reports(Path(args.run_dir), known=personal_strings(load_citizens()))
        print(summary_line(Path(args.run_dir)))
        records = results_io.read_results(Path(args.run_dir))
    return EXIT_NONCONFORM if any(r["outcome"] in (CHUA_DAT, MOT_PHAN) for r in records) else EXIT_CONFORM


def cmd_sandbox(args: argparse.Namespace) -> int:
    os.execv(sys.executable, [sys.executable, "-m", "sandbox", "--port", str(args.port),
                              "--urls-file", args.urls_file])
    return 0  # not reached


def cmd_report(args: argparse.Namespace) -> int:
    from engine.report import build_reports, summary_line
    run_dir = Path(args.run_dir)
    if not (run_dir / "results.jsonl").exists():
        print(f"{run_dir}: không có results.jsonl", file=sys.stderr)
        return EXIT_TOOL_ERROR
    build_reports(run_dir)
    print(summary_line(run_dir))
    if args.screenshots:
        from engine.report.site.screenshots import write_screenshots
        for path in write_screenshots(run_dir, Path(args.screenshots)) or ():
            print(f"ảnh chụp báo cáo: {path}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from engine import results as results_io
    from engine.config import load_citizens, personal_strings
    from engine.merge import MergeError, merge_runs
    from engine.report import summary_line
    from engine.verdict import CHUA_DAT, MOT_PHAN
    try:
        merged = merge_runs(Path(args.out_dir), [Path(d) for d in args.shard_dirs],
                            known=personal_strings(load_citizens()))
    except MergeError as error:
        print(f"dvc-conformance merge: {error}", file=sys.stderr)
        return EXIT_TOOL_ERROR
    print(f"Đã gộp {merged['items']} mục từ {merged['shards']} phân đoạn.")
    out = Path(args.out_dir).resolve()
    if out.parent == (ROOT / "reports" / "runs").resolve():  # a run like any other: reports/latest follows
        latest = out.parent.parent / "latest"
        try:
            if latest.is_symlink() or latest.exists():
                latest.unlink()
            latest.symlink_to(out.relative_to(latest.parent), target_is_directory=True)
        except OSError:
            pass
    print(summary_line(Path(args.out_dir)))
    records = results_io.read_results(Path(args.out_dir))
    return EXIT_NONCONFORM if any(r["outcome"] in (CHUA_DAT, MOT_PHAN) for r in records) else EXIT_CONFORM


def cmd_login(args: argparse.Namespace) -> int:
    from engine.config import load_environment
    from engine.login import interactive_login
    from engine.scenario import ScenarioError
    if args.env_file and Path(args.env_file).is_file():
        path = Path(args.env_file)
    else:
        path = ROOT / "config" / "environments" / f"{args.env_file}.yaml"
    try:
        environment = load_environment(path)
    except (ScenarioError, OSError) as error:
        print(f"dvc-conformance login: {error}", file=sys.stderr)
        return EXIT_TOOL_ERROR
    return interactive_login(environment, headless=args.headless, timeout_s=args.timeout,
                             say=lambda text: print(text, flush=True))


def cmd_criteria(args: argparse.Namespace) -> int:
    import checks
    implemented = set(_criteria_choices())
    for criterion in checks.CRITERIA:
        mark = "✓" if criterion.id in implemented else " "
        print(f"{mark} {criterion.id:<24} {criterion.title}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dvc-conformance",
                                     description="Kiểm tra dịch vụ công trực tuyến theo Công văn 4975/VPCP-KSTT")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="chạy các kịch bản và dựng báo cáo (mặc định: trên sandbox nhúng)")
    run.add_argument("scenarios", nargs="*", help="tệp hoặc thư mục kịch bản (mặc định: scenarios/)")
    run.add_argument("--env", default=str(ROOT / "config" / "environments" / "sandbox.yaml"),
                     help="tệp môi trường (mặc định: sandbox nhúng)")
    run.add_argument("--criteria", help="chỉ các tiêu chí này, phân cách bằng dấu phẩy")
    run.add_argument("-n", "--workers", default=str(default_workers()),
                     help="số tiến trình song song (pytest-xdist; mặc định: hai tiến trình mỗi nhân CPU, tối đa 8 "
                          "và vừa bộ nhớ còn trống; 0 = không song song)")
    run.add_argument("-k", help="chọn mục theo biểu thức của pytest, ví dụ \"2.000635 and sso\"")
    run.add_argument("--headed", action="store_true", help="mở trình duyệt có giao diện")
    run.add_argument("--run-dir", help="thư mục kết quả của lần chạy")
    run.add_argument("--no-sweep", action="store_true",
                     help="không chạy rà soát danh mục (mặc định: chạy khi chạy toàn bộ kịch bản)")
    run.add_argument("--junit", action="store_true", help="ghi thêm junit.xml vào thư mục lần chạy")
    run.add_argument("--shard", metavar="i/n", help="chỉ chạy phân đoạn i trong n (đánh số từ 1), rồi gộp bằng 'merge'")
    run.add_argument("--resume", action="store_true",
                     help="chạy tiếp lần chạy bị dừng (--run-dir, mặc định lần mới nhất), bỏ qua mục đã có kết quả")
    run.add_argument("--target-budget", type=float, metavar="GIÂY",
                     help="thời gian tối đa cho mỗi mục tiêu; quá hạn thì dừng mục tiêu đó, phần chưa xong là "
                          "'không kiểm tra được' (mặc định: ngưỡng target_budget_s của kịch bản, 1200; 0: không giới hạn)")
    run.add_argument("--cdp-endpoint", metavar="URL", help="trình duyệt Chromium có sẵn qua DevTools (http://host:9222)")
    run.add_argument("--ws-endpoint", metavar="URL", help="trình duyệt của máy chủ Playwright (ws://host:port/)")
    sandbox = sub.add_parser("sandbox", help="chạy sandbox nhúng ở tiền cảnh")
    sandbox.add_argument("--port", type=int, default=8610)
    sandbox.add_argument("--urls-file", default=str(ROOT / "reports" / "sandbox-urls.json"))
    report = sub.add_parser("report", help="dựng lại báo cáo từ results.jsonl của một lần chạy")
    report.add_argument("run_dir")
    report.add_argument("--screenshots", metavar="THƯ_MỤC",
                        help="chụp trang chính và trang một đơn vị của báo cáo (ảnh cho README)")
    sub.add_parser("criteria", help="liệt kê các tiêu chí theo thứ tự của Công văn")
    sub.add_parser("sweep", add_help=False,
                   help="rà soát nhanh mọi DVCTT đã công bố qua HTTP (xem: dvc-conformance sweep --help)")
    merge = sub.add_parser("merge", help="gộp kết quả các phân đoạn (run --shard i/n) thành một lần chạy và dựng báo cáo")
    merge.add_argument("out_dir", help="thư mục mới cho lần chạy gộp")
    merge.add_argument("shard_dirs", nargs="+", help="thư mục lần chạy của từng phân đoạn")
    agreement = sub.add_parser("agreement", help="so khớp kết quả một lần chạy với kết luận của Công văn 4975/VPCP-KSTT")
    from engine.agreement import add_arguments as agreement_arguments
    agreement_arguments(agreement)
    login = sub.add_parser("login", help="đăng nhập bằng tay một lần trên cổng thật và lưu phiên (ngoài kho mã)")
    login.add_argument("--env", dest="env_file", required=True,
                       help="tệp môi trường, hoặc tên của nó trong config/environments/")
    login.add_argument("--timeout", type=float, default=900, help="số giây chờ đăng nhập (mặc định 900)")
    login.add_argument("--headless", action="store_true", help=argparse.SUPPRESS)  # for the tool's own tests
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after "--" goes to pytest untouched (e.g. -- --slowmo 300 --tracing on).
    passthrough: list[str] = []
    if "--" in argv:
        index = argv.index("--")
        argv, passthrough = argv[:index], argv[index + 1:]
    if argv[:1] == ["sweep"]:  # its own options, defined beside it in engine/sweep.py
        from engine import sweep
        return sweep.main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return cmd_run(args, passthrough)
    if args.command == "agreement":
        from engine.agreement import main_args
        return main_args(args)
    return {"sandbox": cmd_sandbox, "report": cmd_report, "criteria": cmd_criteria, "merge": cmd_merge,
            "login": cmd_login}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
