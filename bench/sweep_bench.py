"""Benchmark: the catalog sweep vs a plain httpx.AsyncClient loop over the same links.

One embedded sandbox (its own process, loopback only), one sign-in at the identity
provider; then, for the same hand-off links repeated 1×, 10× and 100×, both clients in
turn with the same cookies and the same total concurrency (the sweep: ``--per-host`` per
host; the plain loop: a global semaphore of per-host × hosts). Prints links per second for
both, the ratio (sweep / plain; goal ≥ 0.9) and the client's CPU per link, so one sees
what the sweep's politeness and judging cost and how cost grows with the number of links.

Bounded in time: ``--budget-s`` (default 300 s) for everything; a size whose projected
duration would not fit is skipped and said so; a run cut by the budget reports what it did.

    python bench/sweep_bench.py [--links-per-host 2] [--per-host 4] [--multipliers 1,10,100]
                                [--repeat 5] [--budget-s 300]

Links come from units whose hand-offs answer at once (units built to hang, reset or loop
are left out: they would measure the sandbox's deliberate sleeps, not the clients).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.config import SANDBOX_URLS_VARIABLE, load_citizens, load_environment  # noqa: E402
from engine.sandbox_process import SandboxProcess, export_urls  # noqa: E402
from engine.sweep import (Link, Sweeper, SweepOptions, fetch_catalog, links_from_catalog, make_client,  # noqa: E402
                          origin, sign_in_with_steps)

#: Units whose hand-off is slow, resets or loops on purpose: not a measure of the clients.
LEFT_OUT = {"loi-het-gio", "loi-cham-byte-dau", "loi-ngat-ket-noi", "loi-vong-lap"}


def pick_base(links: list[Link], per_host: int) -> list[Link]:
    """``per_host`` links from every host (the same number each: a host with more links
    than the others would measure the per-host limit, not the client), in host order."""
    by_host: dict[str, list[Link]] = {}
    for link in links:
        if link.unit not in LEFT_OUT:
            by_host.setdefault(origin(link.url), []).append(link)
    out: list[Link] = []
    for i in range(per_host):
        out += [hl[i] for hl in by_host.values() if len(hl) > i]
    return out


async def plain_loop(links: list[Link], cookies: httpx.Cookies, concurrency: int, deadline: float) -> tuple[int, float, float]:
    """The baseline: follow each link (redirects on), read the body, nothing else."""
    sem = asyncio.Semaphore(concurrency)
    done = 0

    async def one(client: httpx.AsyncClient, link: Link) -> None:
        nonlocal done
        if time.monotonic() > deadline:
            return
        async with sem:
            try:
                response = await client.get(link.url)
                _ = response.text
            except httpx.HTTPError:
                pass
        done += 1

    async with httpx.AsyncClient(follow_redirects=True, cookies=cookies, trust_env=False,
                                 timeout=httpx.Timeout(15.0, connect=5.0),
                                 limits=httpx.Limits(max_connections=None, max_keepalive_connections=512)) as client:
        cpu, started = time.process_time(), time.monotonic()
        await asyncio.gather(*(one(client, link) for link in links))
        return done, time.monotonic() - started, time.process_time() - cpu


async def sweep_loop(links: list[Link], cookies: httpx.Cookies, options: SweepOptions, env, deadline: float
                     ) -> tuple[int, float, float, dict[str, int]]:
    own = {uid: {origin(url)} for uid, url in env.units.items()}
    foreign = {h: uid for uid, hs in own.items() for h in hs}
    done = 0
    classes: dict[str, int] = {}

    def progress(result) -> None:
        nonlocal done
        done += 1
        classes[result.klass] = classes.get(result.klass, 0) + 1

    async with make_client(options) as client:
        sweeper = Sweeper(client, options, cookies=cookies, own_hosts=own, foreign=foreign,
                          idp_hosts=[origin(env.idp)], national_hosts=[origin(env.national)])
        cpu, started = time.process_time(), time.monotonic()
        try:
            await asyncio.wait_for(sweeper.run(links, progress), timeout=max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            pass
        return done, time.monotonic() - started, time.process_time() - cpu, classes


def copy_jar(cookies: httpx.Cookies) -> httpx.Cookies:
    jar = httpx.Cookies()
    for cookie in cookies.jar:
        jar.jar.set_cookie(cookie)
    return jar


async def bench(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    budget_end = t0 + args.budget_s
    env = load_environment(ROOT / "config" / "environments" / "sandbox.yaml")
    citizen = load_citizens()[env.login_citizen]
    options = SweepOptions(per_host=args.per_host, timeout_s=15.0, retries=2)

    # one sign-in, and one pass over the base links to open every unit's session (SSO)
    async with make_client(options, keep_cookies=True) as client:
        await sign_in_with_steps(client, env.login_steps, {"national": env.national, "idp": env.idp, "citizen": citizen})
        catalog = await fetch_catalog(client, env.national)
        jar = client.cookies
    base = pick_base(links_from_catalog(catalog), args.links_per_host)
    own = {uid: {origin(url)} for uid, url in env.units.items()}
    async with make_client(options) as client:
        warm = Sweeper(client, options, cookies=jar, own_hosts=own,
                       foreign={h: u for u, hs in own.items() for h in hs},
                       idp_hosts=[origin(env.idp)], national_hosts=[origin(env.national)])
        await warm.run(base)
        cookies = copy_jar(warm.jar)
    hosts = len({origin(link.url) for link in base})
    concurrency = args.per_host * hosts
    print(f"Sandbox: {len(base)} đường dẫn gốc trên {hosts} máy chủ; {args.per_host} yêu cầu đồng thời mỗi máy chủ "
          f"(vòng lặp thường: {concurrency} yêu cầu đồng thời chung).")
    print(f"{'cỡ':>5} {'đường dẫn':>10} {'thường (đd/s)':>14} {'sweep (đd/s)':>13} {'tỉ lệ':>6} "
          f"{'CPU ms/đd thường':>17} {'CPU ms/đd sweep':>16}")
    previous_rate = None
    ratios = []
    for m in args.multipliers:
        links = base * m
        remaining = budget_end - time.monotonic()
        repeat = args.repeat if len(links) <= 500 else min(args.repeat, 2)
        if previous_rate and 2 * repeat * len(links) / previous_rate > remaining:
            repeat = 1
        if previous_rate and 2 * len(links) / previous_rate > remaining:
            print(f"{m:>4}× bỏ qua: ước tính {2 * len(links) / previous_rate:.0f} s, còn {remaining:.0f} s trong ngân sách")
            continue
        plain, sweep = [], []
        for k in range(repeat):   # alternate who goes first; keep the best of each (other load on the machine is noise)
            for who in (("plain", "sweep") if k % 2 == 0 else ("sweep", "plain")):
                left = budget_end - time.monotonic()
                if who == "plain":
                    plain.append(await plain_loop(links, copy_jar(cookies), concurrency, time.monotonic() + left / 2))
                else:
                    sweep.append(await sweep_loop(links, copy_jar(cookies), options, env, time.monotonic() + left / 2))
        n_plain, t_plain, cpu_plain = max(plain, key=lambda r: r[0] / r[1])
        n_sweep, t_sweep, cpu_sweep, classes = max(sweep, key=lambda r: r[0] / r[1])
        r_plain, r_sweep = n_plain / t_plain, n_sweep / t_sweep
        ratio = r_sweep / r_plain if r_plain else 0.0
        ratios.append(ratio)
        cut = " (cắt bởi ngân sách)" if n_plain < len(links) or n_sweep < len(links) else ""
        print(f"{m:>4}× {len(links):>10} {r_plain:>14.1f} {r_sweep:>13.1f} {ratio:>6.2f} "
              f"{1000 * cpu_plain / max(1, n_plain):>17.2f} {1000 * cpu_sweep / max(1, n_sweep):>16.2f}"
              f"  (tốt nhất / {repeat} lần){cut}")
        if args.verbose:
            print("      lớp kết quả của sweep:", dict(sorted(classes.items())))
        previous_rate = min(r_plain, r_sweep)
    print(f"Tổng thời gian: {time.monotonic() - t0:.1f} s. Mục tiêu tỉ lệ sweep/thường ≥ 0,9: "
          + ("đạt" if ratios and min(ratios) >= 0.9 else "chưa đạt") + ".")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links-per-host", type=int, default=2, help="đường dẫn gốc (1×) mỗi máy chủ")
    parser.add_argument("--repeat", type=int, default=5, help="số lần đo mỗi cỡ (trên 500 đường dẫn: tối đa 2), lấy lần tốt nhất")
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--multipliers", default="1,10,100")
    parser.add_argument("--budget-s", type=float, default=300.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    args.multipliers = [int(x) for x in args.multipliers.split(",") if x.strip()]
    process = SandboxProcess()
    process.start()
    export_urls(process, SANDBOX_URLS_VARIABLE)
    try:
        return asyncio.run(bench(args))
    finally:
        process.stop()


if __name__ == "__main__":
    sys.exit(main())
