"""Benchmark: one target's journey through the tool vs a minimal hand-written Playwright script.

WHAT WAS CHANGED BECAUSE OF THE PROFILE (issue #8; sandbox 2.000635[tham-chieu], 21 criteria)

Before (commit 5462afe), machine lightly loaded (load ~1): all criteria 18.2 s per target
(main journey 2.35 s, probes 15.8 s); main journey / hand-written script 1.50 (2.35 / 1.56 s).
The profile said:
  * 9 "quiet periods" of 300 ms per target (2.7 s): ``settle(page, 300)`` waited for
    Playwright's "networkidle", which needs 500 ms without a request, so it always timed out:
    a fixed 300 ms sleep after each probe page. Now ``settle`` waits for the requests the page
    still has in flight (engine.observe.Inflight, events "request"/"requestfinished"/
    "requestfailed" on the probes' pages), i.e. returns at once on a quiet page and waits for
    an answer a script is waiting for. The landing after the hand-off (the only 1.5 s quiet
    period of the walk, 0.5 s each time) ends as soon as the form's first field is on the
    page; otherwise it waits for network idleness as before (redirects in script).
  * 10 screenshots per target (~0.1 s each, masking included): the form's picture duplicated
    the landing's when the hand-off lands on the form (now reused when the page shows the
    same thing), the success page's picture was read by nobody (now taken only when the
    submission fails), the second phone's picture was never shown (now taken only when that
    phone's layout is broken; the check shows a broken phone's picture, else the first's).
  * page loads per probe (counted by this bench): guidance walked to the documents step once
    per applicant type and esign walked there again (7 loads): guidance now leaves the page
    of the portal's own choice at that step for esign (ProbeSession.park / reach), and its
    first option starts from the page it had just opened (1 load).
  * a new browser context costs 0.1-0.25 s: identity_account and privacy now share one
    anonymous context (cookies cleared between them); the phones' pages load side by side
    (each in its own context, as before).
  Not changed: the 300 ms pause after typing the draft marker (debounced autosaves have no
  event to wait for), the validation battery's walks (each submitted value must be tried on
  the portal; only the walk's start is shared).
After, same machine lightly loaded (load ~1-2): all criteria 11.9 s per target with the settle
change alone; main journey / script 1.16. Under heavy load (load 30, other agents' jobs),
alternated subprocess rounds against the same sandbox (``--compare``), all changes: before
27.7 s, after 25.9 s per target (0.94), journey/script 1.95 -> 1.72: when the CPU is the
bottleneck, sleeps matter less than the page loads themselves. Final code, load ~13:
12.9 s per target (64 -> 58 page loads, 10 -> 7 screenshots), journey/script 1.16.

ROUND 2 (session 11): fewer page loads in the probes that fill the form, and a CPU figure.
Measured with ``--compare`` (the last commit f88a04b vs this code, alternated subprocesses, one
sandbox, repeats=2, all 21 criteria), machine shared with other agents (load 1 to 45 during
the runs), so the CPU figure is the one to read: CPU seconds of the bench's Python, Playwright,
every Chromium process and the sandbox (/proc), which other jobs' load does not inflate.
  target (family)                     wall s/target, before -> after   CPU s/target, before -> after
  lab 2.000635[tham-chieu] (paged)     24.0 -> 22.7 (quiet round)        24.8 -> 20.0 (0.80)
  replica 2.000635[can-tho] (formio)   37.3 -> 20.6 (0.55)               24.4 -> 15.7 (0.65)
  replica 2.000635[ho-chi-minh] (eform) 29.2 -> 22.5 (quiet round)       48.7 -> 28.0 (0.57)
  (ho-chi-minh's input_validation: 61 -> 5.5 s; every value is accepted there, so each try
  used to reopen the form and walk through the unit's login gate again.)
  page loads per target, lab: input_validation 15 -> 8, draft_persistence 10 -> 5,
  required_fields 7 -> 2 (identity_crosscheck's page now goes on to the next probe).
  On a quiet machine the previous round measured ~12 s per conforming lab target; the same
  ratios put it at ~8-9 s now (the 5-6 s goal is not reached: see "left" below).
What changed:
  * input_validation: one page kept at the contact step for the whole battery (class
    _ContactStep): each try clears and retypes the phone and email and presses the step's own
    button (each invalid value is still really submitted unless the browser itself refuses it);
    when the portal moved on, its own back button brings the step again (no reload: on a
    client-side wizard it costs nothing) instead of reopening the form and walking from step 1.
    A valid phone and a valid email go in one submission (2 instead of 4), separately only when
    the pair is refused. Evidence keeps the same shape (one "tried" entry per value).
  * park/handover chain (engine/probes.py PROBE_ORDER): identity_crosscheck -> input_validation
    -> draft_persistence -> required_fields -> guidance -> esign; each leaves its page where the
    next one starts, and ``ProbeSession.reach`` now brings an offered page forward (fill + next,
    as a walk would) or one step back (the form's back button) instead of reopening the form.
  * repeats: after "Nộp hồ sơ" it waits for the success text or an error as the main walk does;
    reading the page at once raced a fetch-submitting form's answer (formio: can-tho's stability
    came out 'chưa đạt' on about one measure in two, before and after this round; in the replica
    subset 1.004873[bac-kan] stability was such a false 'chưa đạt' and is now 'đạt').
  * waits after a back press use the scenario's navigation timeout, not 5 s (a slow step, e.g.
    the replica's da-nang with a 6 s step 2, made the 5 s wait fail and the probe reopen the form).
  * this bench: ``--replica UNITS`` (a replica target: the target's portal family is applied),
    CPU per target, and which criterion differed when verdicts are not identical.
Left (not done): the anonymous-visitor probes are at 2 page loads each, which is what a citizen
needs (home page + login link; lookup page + its answer); their cost is the anonymous context and
the screenshots. guidance walks once per applicant type (inherent). mobile_layout's two device
contexts. fill_step (engine/journey.py, the coordinator's) does ~4 round trips per field; one
evaluate per step would save ~0.1 s per call (19 calls per target). The replica's da-nang
(eform, 6 s step 2) still takes minutes: probes' ``press_next`` waits 5 s for the next heading,
so walks through the slow step fail and retry (before and after this round).

ROUND 3 (session 12): the browser build, and the replica's slowest targets. Same bench, machine
quiet (load ~1), CPU split by process with a /proc sampler:
  * CPU per target was mostly Chromium (replica 2.000635[can-tho], formio, 2 rounds + sign-in:
    renderers 12,5 s, browser process 10,4 s, GPU process 2,3 s; Playwright's node driver 3,5 s;
    the tool's Python 2,0 s; sandbox 0,9 s). Launching Debian's ``chromium-headless-shell``
    (what Playwright itself runs for headless Chromium; no browser UI) instead of the full
    browser in headless mode: per target 11,2 → 8,0 s wall, 14,4 → 7,9 s CPU (0,54), same 21
    verdicts. engine/browser.py picks it for headless runs; ``--headed`` keeps the full browser.
    (Disabling site isolation or the GPU process on top of it changed nothing measurable.)
  * fill_step: one read per field (present? locked? a list? its value?) with
    ``evaluate_all`` (no wait) instead of count + value + readOnly + tagName: 4-5 round trips
    per field → 2 (read + type).
  * a screen the walk found without the procedure's fields (a declaration to upload instead
    of an e-form) was waited for 3 s on every later walk of it: remembered per target
    (replica an-giang: 37 → 15 s per target; its required_fields, which typed into the absent
    field for 8 s and ended "không kiểm tra được", now picks a field the screen has).
  * a portal that keeps what was typed (quang-nam, khanh-hoa: no prefill): the identity
    probe's altered name stayed in the form and every later walk was refused ("Thông tin không
    khớp với CSDLQG"): 150 s and 4 "không kiểm tra được" per target. The walk now types the
    citizen's own data wherever a field shows something else: 12 s, verdicts as the letter.
  * a probe's click on a slow e-form's back button gave up after 3 s while its navigation was
    still pending; the next ``goto`` raced it and, on closing, Chromium left the page open
    (crbug 536385539): the run hung for good. Clicks now get the scenario's patience and pages
    close without waiting for the browser's confirmation (engine.browser.close_quietly).
  * input_validation: an invalid phone and an invalid email go in one submission while the
    portal accepts such pairs (each value is still submitted; the browser's own refusal names
    its field), each alone once the portal refuses a pair. Measured, same verdicts: replica
    dong-nai (checks neither, its contact screen takes 6 s) input_validation 50,2 → 31,6 s
    (34 → 22 page loads), the target 105 → 87 s; lab tham-chieu (checks both) 0,66 → 0,74 s
    (one more refused submission).
Left: slow screens are slow in every walk (the replica's 6 s screens: dong-nai ~87 s,
bo-quoc-phong ~70 s): what a citizen would wait too.

ROUND 4 (session 13): where a target's CPU goes, per Playwright call. Measured with micro-loops
on the lab form (CPU of the bench's whole process tree, sandbox excluded, 20 repeats):
a plain navigation ~50 ms; the first locator call on a new document +27 ms (Playwright
installs its selector engine in that document's utility world); a locator's ``evaluate`` /
``evaluate_all`` +12 ms more the first time (the same engine again, in the page's own world);
a new browser context ~110 ms; a picture with Playwright's ``mask`` ~110 ms, ~40 without.
The full replica with 4 workers kept the 2 cores ~87 % busy: CPU, not waiting, was the limit.
  * fields read by one plain ``page.evaluate`` per step (engine.journey.fields_state: the
    get_by_label rule in the page's script, Playwright's locator for whatever it does not
    find; tests/test_fields_state.py holds it to Playwright's answer): per target 5,27 → 5,07 s,
    CPU 5,47 → 5,27 s (first cut, ``evaluate_all`` on the union), then 4,70 s; main journey /
    script 1,27 → 1,17.
  * pictures masked by one script of our own (boxes in the top layer, removed after) instead
    of Playwright's ``mask`` overlay: 4,75 → 4,56 s, CPU 5,47 → 5,27 s; journey/script 1,22 → 1,15.
  * ``--renderer-process-limit=1``: 50 → 28 renderer processes for 5 targets; 4,70 → 4,47 s,
    CPU 5,41 → 5,15 s. (``--disable-gpu``, no back-forward cache, no paint holding, V8 flags:
    no measurable change.)
  * guidance reads the portal's own applicant choice at the documents step where
    required_fields left it (8 → 4 page loads): 4,48 → 4,02 s, CPU 5,08 → 4,76 s.
  * ``dvc-conformance run`` defaults to two workers per core (a worker waits for portals much
    of the time): the first 40 units, 2 workers 313 s, 4 workers 206 s.
Left: the main journey's picture of the form (~50 ms) and page snapshots (~4 ms each) are
what keeps the journey above the bare script (evidence the script does not keep); a phone's
own context (~110 ms each, two per target) is what emulating a phone costs.

ROUND 5 (session 14): Playwright's selector engine, once per document. A per-process CPU sampler
(/proc) over a full replica run with 4 workers: renderers 38 %, browser process 23 %, GPU
process 12 %, Playwright's node driver 11 %, the tool's Python 8 %, sandbox 4 %. Micro-loops on
two sandbox pages, CPU per navigation: a plain ``goto`` ~45 ms; with one locator call on the new
document ~70 ms (renderer +16, browser +6, driver +2: Playwright's injected script, sent and
run in each new document); ``wait_for_function`` the same; a ``page.evaluate`` +4 ms;
``page.mouse.click`` +1.5 ms. Launch flags (--disable-gpu, --disable-gpu-compositing,
--in-process-gpu, no site isolation) changed nothing. A lab target walks 39 documents, and 33
of them got a locator call, mostly to find a button or a heading by its name, type into a
field and wait for the next screen.
  * engine/direct.py: those actions by one plain page script (Playwright's rules for the plain
    case: role and name, actionability, fill's focus + select + insertText, select_option's
    events, a click's navigation awaited until it commits), Playwright's locator wherever the
    script is not sure (tests/test_direct.py holds both to the same answers). Documents with
    Playwright's engine: 33 -> 8 per lab target (file inputs, the login, two list choices).
    ``--compare`` against the last commit, 4 alternated rounds each, same 21 verdicts: per
    target 4,82 -> 3,90 s (0,81), CPU 5,25 -> 4,48 s (0,85); main journey / hand-written script
    1,18 -> 0,97 (the script itself uses Playwright's locators, so the tool now costs less per
    action than the script; what it adds, a snapshot per screen and the masked form picture,
    is smaller than that).

ROUND 6 (session 15): no engine change; the measuring itself. The full replica with the same
code took 4 min 55 s (4 workers) early on 05/12 and 6 min 56 s – 7 min 3 s that afternoon,
each target 1,49 times longer (median), while with one worker the afternoon was only 1,12
times slower (851 s against 759 s): the two cores gave less together. bench/replica_bench.py
now measures the machine (this script's hand-written side, alone and two copies at once)
before its first run and after its last, starts a fresh sandbox
for each run (a shared one kept every run's dossiers: the data store and dossier list the
probes read grew from run to run) and reads PSS every 2 s instead of 0,5 s (~37 ms of kernel
time per sample in a 4-worker run). Protocol messages of one formio target (2.000635[can-tho],
with a main-journey warm-up): 770 calls, 355 of them page scripts (``page.evaluate``: the
presence checks before a click 49, a click's commit wait 48, a field's preparation before
typing 52, waits 37, field reads 52, snapshots 20, mask layers 18), 103 event subscriptions
(72 of them a click's navigation watch, on and off around each click: a watch kept per page
would save them; not done), 680 events. Left as leads: the watch per page; the click's first
commit check folded into the click point's script.

ROUND 7 (session 16): what a page load costs, and whether a launch flag moves it. The full
replica with 4 workers took 466 s at 15:40 ICT on 05/12 (machine reference 1,14 s alone, 1,69 s
two at once; cores 96 % busy) and 333 / 341 s an hour later on a quieter machine (0,82-0,88 s
alone, 1,13-1,18 s two at once; 6 workers 349 s, cores 98 % busy): bound by CPU either way. Micro-loops on two sandbox pages (one browser, 40 navigations per
measure, CPU of every process from /proc): a ``goto`` costs ~90 ms of CPU in all (renderer ~40,
browser process ~25, GPU process ~9, Playwright's driver ~7, the Python side ~4) and a
navigation to about:blank ~42; five launch variants (no RenderDocument, low-end device mode,
V8 without JIT, process per site, no site isolation) all measured 85-100 ms, i.e. within the
noise. (The same loop an hour later, on the quieter machine: ~46 ms per ``goto``. There
``--disable-threaded-compositing`` measured 33 ms, because the renderer then draws no frames at
all: requestAnimationFrame never fires, Playwright's click never finds the element stable and
the sign-in timed out; unusable. So drawing frames is ~a quarter of a page load's CPU, and it is
what a picture and a click's stability check need.) Network event listeners on the page and its context changed nothing. A page opened
where its context has no other page starts a renderer process of its own (~100 ms more:
measured as new page + goto + close against goto alone, 190 against 90 ms); a target's walk
keeps a page open while its probes open theirs, so it starts ~4-8 renderers in all, about one
per context (walk, anonymous visitor, phones), which Chromium does not share across contexts.
So ~25-45 documents and ~5 contexts make up half or more of a target's CPU, and what is left to
cut is in how many of them a criterion needs, not in how each is loaded. Not changed: the
click's navigation watch on and off per click (72 subscription round trips per formio
target: at the few ms of CPU a plain round trip costs, 1-2 % of the target; not measured apart). Added this round: the target watchdog
(engine/watchdog.py), unrelated to speed but to the night's length: a page that never answers
is cut at the target's budget instead of holding its worker.

ROUND 8 (session 17, 05/12 evening): no engine change; what is left, measured. The profile now gives
each probe's CPU seconds (every process: browser, driver, Python, sandbox), since a probe whose
pages load side by side costs the machine more than its wall seconds say. Replica
2.000635[can-tho], 3 runs, machine reference ~1,0 s: 5,6 CPU-s per target, 4,7 of them in the
probes: input_validation 0,77, mobile_layout 0,53, repeats 0,52, guidance 0,47,
after_submission 0,41, handoff_repeats and privacy 0,36 each, identity_account 0,34,
draft_persistence 0,29, esign 0,25, required_fields 0,23, identity_crosscheck 0,17 (the main
walk ~0,9). No probe is large enough for a cut in it to bring the run 10 % down. Micro-loops
(20 repeats × 3) on the same form, CPU of all processes: a ``goto`` of the form 82 ms, of
about:blank 36 ms (Playwright's and Chromium's navigation machinery alone), a new tab in a
context with a live renderer + close 58 ms (new tab + goto + close 156 against goto 82: ~74 ms
per tab); a picture 55 ms as PNG, 39 as JPEG; ``page.evaluate`` 2 ms; an idle browser 2 ms/s,
an idle form page 4-10 ms/s. Tried, no measurable change: a phone with device scale factor 1
(the page is simple), a phone as a tab of the walk's context with CDP emulation instead of its
own context (0,36 against 0,42 CPU-s for two phones, and it would bypass Playwright's device
emulation), no spare renderer (``--disable-features=SpareRendererForSitePerProcess``: 4-5
renderer processes per target either way, one per context), a larger young generation for
Playwright's node driver (``NODE_OPTIONS=--max-semi-space-size=64``; the driver takes 0,66-0,77
CPU-s per target). Collection of the 105 targets costs 1,4 CPU-s per worker. The full replica
at 18:05 ICT (reference 0,99 → 1,05 s alone, 1,33 → 1,46 s two at once): 4 workers 398 s,
cores 94 % busy; the sum of the targets' wall seconds over the 4 workers was 1 520 s and the
last 5 s ran on fewer than 4 workers, so scheduling loses nothing. Left, on purpose: reusing
tabs between probes (~74 ms each, ~5 per target) would carry one probe's tab state
(sessionStorage, history, listeners) into the next; one phone instead of two, or fewer
repeats, would change what is judged.

HOW IT MEASURES: the embedded sandbox (its own process, loopback only), one browser,
one sign-in at the identity provider shared by both sides:

* ``script``: a hand-written sync-Playwright script of the main journey only: a new
  context with the signed-in state, the national portal's procedure page, the two choices,
  "Nộp trực tuyến", the hand-off and SSO to the unit, the four form steps filled with the
  scenario's values, "Nộp hồ sơ", the dossier code read. No screenshot, no observation, no
  checks. It covers the main journey only, NOT the probes.
* ``tool``: the same journey through the engine (``Journey.run`` without probes), then every
  check that needs no probe judged and its result line masked and written, as the plugin
  does for each item (pytest's own per-item cost is not included).
* ``tool, all criteria``: the same with every probe every criterion of the target needs
  (the per-target cost of a full run, pytest excluded), with a timing profile: the probes one
  by one, and spans for what the tool does beyond what the portal needs: quiet periods
  (network idle), fixed waits, waits that ended by timing out, page snapshots, screenshots
  (masking included), checks and results writing.

Both sides run alternately (script first on even rounds, tool first on odd ones); the
machine is shared, so the figure to read is the median of the per-round ratios tool/script
(goal ≤ 1.10), not the absolute seconds.

    python bench/overhead_bench.py [--runs 5] [--all-runs 2] [--target tham-chieu]
                                   [--scenario sandbox/scenarios/2.000635.yaml] [--repeats N] [--cprofile]
    python bench/overhead_bench.py --compare OTHER_CHECKOUT --runs 0 --all-runs 2 --repeats 2
    python bench/overhead_bench.py --replica can-tho,ho-chi-minh --scenario scenarios/2.000635.yaml \
                                   --target can-tho --runs 0 --all-runs 1 --repeats 2 [--compare ...]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# ``--engine-root DIR``: measure another checkout's engine (e.g. the last commit, for a
# before/after comparison against the same sandbox); decided before anything is imported.
ENGINE_ROOT = Path(sys.argv[sys.argv.index("--engine-root") + 1]).resolve() if "--engine-root" in sys.argv else ROOT
sys.path.insert(0, str(ENGINE_ROOT))

# --------------------------------------------------------------------------- timing spans


class Spans:
    """Inclusive time per named span (a span nested in another counts in both)."""

    def __init__(self):
        self.total: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        self._undo: list = []

    def add(self, name: str, seconds: float) -> None:
        self.total[name] += seconds
        self.count[name] += 1

    def wrap(self, owner, attr: str, name, only=None) -> None:
        """Time every call of ``owner.attr``; ``name`` may be a function of (args, kwargs,
        raised) giving the span's name, or None to skip."""
        original = getattr(owner, attr)
        spans = self

        def timed(*args, **kwargs):
            started = time.perf_counter()
            raised = None
            try:
                return original(*args, **kwargs)
            except BaseException as error:
                raised = error
                raise
            finally:
                label = name(args, kwargs, raised) if callable(name) else name
                if label:
                    spans.add(label, time.perf_counter() - started)
        setattr(owner, attr, timed)
        self._undo.append((owner, attr, original))

    def reset(self) -> None:
        self.total.clear()
        self.count.clear()

    def restore(self) -> None:
        for owner, attr, original in reversed(self._undo):
            if isinstance(owner, dict):
                owner[attr] = original
            else:
                setattr(owner, attr, original)
        self._undo.clear()


class Documents:
    """Documents (pages, after redirects) the browser loaded, per probe: what the probes cost
    the portal, whatever the tool does around them."""

    def __init__(self):
        self.count = 0
        self.per_probe: dict[str, list[int]] = defaultdict(list)
        # CPU seconds of the whole set-up (browser, driver, Python, sandbox) while each probe ran:
        # wall seconds hide what a probe costs the machine when its pages load side by side.
        self.cpu_per_probe: dict[str, list[float]] = defaultdict(list)

    def on_request(self, request) -> None:
        try:
            if request.resource_type == "document":
                self.count += 1
        except Exception:
            pass


def instrument(spans: Spans, documents: Documents) -> None:
    from playwright.sync_api import BrowserContext, Locator, Page, TimeoutError as PlaywrightTimeout

    import engine.journey as journey
    import engine.probe_library as library
    import engine.probes as probes

    def timed_out(label):
        return lambda args, kwargs, raised: label if isinstance(raised, PlaywrightTimeout) else None

    def load_state(args, kwargs, raised):
        state = args[1] if len(args) > 1 else kwargs.get("state", "load")
        if state == "networkidle":
            return "quiet period (networkidle)" + (", timed out" if raised else "")
        return "wait: load state, timed out" if isinstance(raised, PlaywrightTimeout) else None

    original_new_page = BrowserContext.new_page

    def new_page(self, *args, **kwargs):
        page = original_new_page(self, *args, **kwargs)
        page.on("request", documents.on_request)
        return page
    BrowserContext.new_page = new_page
    spans._undo.append((BrowserContext, "new_page", original_new_page))
    for name, function in list(probes.PROBES.items()):
        def counted(session, _function=function, _name=name):
            before, cpu_before = documents.count, cpu_seconds(_cpu_roots())
            try:
                return _function(session)
            finally:
                documents.per_probe[_name].append(documents.count - before)
                documents.cpu_per_probe[_name].append(cpu_seconds(_cpu_roots()) - cpu_before)
        probes.PROBES[name] = counted
        spans._undo.append((probes.PROBES, name, function))
    spans.wrap(Page, "wait_for_load_state", load_state)
    spans.wrap(Page, "wait_for_timeout", "fixed wait (wait_for_timeout)")
    spans.wrap(Locator, "wait_for", timed_out("wait: locator, timed out"))
    spans.wrap(Page, "wait_for_url", timed_out("wait: url, timed out"))
    spans.wrap(Page, "screenshot", "screenshot (masking included)")
    for module in (journey, library):
        if hasattr(module, "observe"):
            spans.wrap(module, "observe", "page snapshot (observe)")
    spans.wrap(journey.Journey, "look", "look (settle + snapshot + screenshot)")
    spans.wrap(probes.ProbeSession, "open_form", "probe: open the form (goto step 1)")
    spans.wrap(probes.ProbeSession, "advance_to", "probe: walk from step 1 (advance_to)")
    spans.wrap(probes.ProbeSession, "goto_step", "probe: back to a step (goto_step)")
    spans.wrap(probes.ProbeSession, "attempt_next", "probe: try the next button (attempt_next)")
    spans.wrap(probes.ProbeSession, "fill_step", "probe: fill a step (fill_step)")
    spans.wrap(probes.ProbeSession, "press_next", "probe: press next (press_next)")
    spans.wrap(BrowserContext, "close", "context close")
    spans.wrap(probes.ProbeSession, "new_context", "probe: new context")


# --------------------------------------------------------------------------- CPU of the whole set-up


def _process_tree():
    """engine/processes.py's ``process_tree``, taken from this checkout by path: with
    ``--engine-root`` the ``engine`` package on the path may be an older one without it."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("dvc_bench_processes", ROOT / "engine" / "processes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.process_tree


def cpu_seconds(roots: list[int]) -> float:
    """CPU time (user + system, reaped children included) of these processes and all their
    descendants: the bench's Python, Playwright's driver, every Chromium process and the
    sandbox. On a machine shared with other jobs, wall time follows their load; this does not,
    so it is the figure to compare before/after (Linux /proc only; 0 elsewhere)."""
    import os
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in {pid for root in roots for pid in _PROCESS_TREE(root)}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


_PROCESS_TREE = _process_tree()


def _cpu_roots() -> list[int]:
    """This process, and the sandbox when another process started it (``--urls-file``)."""
    import json
    import os
    roots = [os.getpid()]
    urls = os.environ.get("DVC_SANDBOX_URLS_FILE_FOR_BENCH")
    if urls:
        try:
            roots.append(int(json.loads(Path(urls).read_text(encoding="utf-8"))["pid"]))
        except (OSError, KeyError, ValueError):
            pass
    return roots


# --------------------------------------------------------------------------- set-up


class Bench:
    def __init__(self, args):
        import checks
        from engine.config import load_citizens, load_environment, load_units, personal_strings
        from engine.scenario import load_scenario
        self.args = args
        self.checks = checks
        self.environment = load_environment(ROOT / "config" / "environments" / "sandbox.yaml")
        self.citizens = load_citizens()
        self.units = load_units()
        self.known = personal_strings(self.citizens)
        self.scenario = load_scenario(args.scenario, criteria=checks.CRITERION_IDS, units=self.units,
                                      citizens=self.citizens)
        self.target = next(t for t in self.scenario.targets if t.id == args.target)
        if hasattr(self.scenario, "for_target"):  # the target's portal family, as the plugin applies it
            self.scenario, self.target = self.scenario.for_target(self.target)
        if args.repeats:
            import dataclasses
            self.target = dataclasses.replace(
                self.target, thresholds=dataclasses.replace(self.target.thresholds, repeats=args.repeats))
        self.citizen = self.citizens[self.scenario.citizen]
        unit = self.units.get(self.target.unit)
        self.unit_name = unit.name if unit else self.target.unit
        self.run_dir = Path(tempfile.mkdtemp(prefix="dvc-overhead-"))
        self.walks = 0

    def start(self, playwright) -> None:
        from engine.browser import launch_overrides
        from engine.journey import login_state
        self.browser = playwright.chromium.launch(headless=True, **launch_overrides())
        self.login = login_state(self.browser, self.environment, self.citizen, {})

    # ------------------------------------------------------------------ tool

    def tool(self, all_criteria: bool) -> tuple[float, dict]:
        """One target through the engine as the plugin drives it (context, journey, checks,
        masked result lines); returns the seconds and the evidence's probe times."""
        from checks.context import CheckContext
        from engine import results as results_io
        from engine.journey import Journey, JourneyContext
        from engine.masking import mask_record
        from engine.verdict import Verdict
        try:
            from engine.plugin import _personal_texts
            pictures = {"personal": _personal_texts(self.citizen)}
        except ImportError:  # an engine before 12/2026 (--compare): Playwright's own mask
            from engine.plugin import _personal_locators
            pictures = {"mask": lambda page: _personal_locators(page, self.citizen)}

        criteria = [r.criterion.id for r in self.checks.registered()
                    if r.criterion.id in self.target.criteria and not r.criterion.catalog]
        if not all_criteria:
            criteria = [c for c in criteria if not self.checks.get(c).probes]
        probes = frozenset(p for c in criteria for p in self.checks.get(c).probes)
        self.walks += 1
        citizen = self.citizen
        started = time.perf_counter()
        cpu_started = cpu_seconds(_cpu_roots())
        ctx = JourneyContext(self.scenario, self.target, self.environment, citizen, self.unit_name, True,
                             artifacts_dir=self.run_dir / "artifacts" / f"walk-{self.walks}", run_dir=self.run_dir,
                             probes=probes, context_args={}, **pictures)
        context = self.browser.new_context(storage_state=self.login)
        try:
            evidence = Journey(context.new_page(), ctx).run()
        finally:
            context.close()
        judged = time.perf_counter()
        check_ctx = CheckContext(self.scenario, self.target, self.unit_name, evidence.unit_url, citizen)
        verdicts = {}
        for cid in criteria:
            verdict = self.checks.get(cid).function(evidence, check_ctx)
            verdict = Verdict(**mask_record(verdict.to_dict(), known=self.known))
            results_io.append_result(self.run_dir, mask_record(
                {"item": f"{self.scenario.code}[{self.target.id}]::{cid}", "criterion": cid,
                 "outcome": verdict.outcome, "sentence": verdict.sentence, "evidence": verdict.evidence},
                known=self.known))
            verdicts[cid] = verdict.outcome
        ended = time.perf_counter()
        self.last_checks_s = ended - judged
        self.last_cpu_s = cpu_seconds(_cpu_roots()) - cpu_started
        self.last_verdicts = verdicts
        self.last_evidence = evidence
        return ended - started, dict(evidence.probe_times)

    # ------------------------------------------------------------------ script

    def script(self) -> float:
        """The main journey, hand-written for this scenario's steps (no observation, no
        screenshots, no checks): what a careful person would write with Playwright alone."""
        s, env = self.scenario, self.environment
        national_host = urlsplit(env.national).netloc
        timeout = self.target.thresholds.navigation_timeout_s * 1000
        values = self.target_values()
        started = time.perf_counter()
        context = self.browser.new_context(storage_state=self.login)
        try:
            page = context.new_page()
            page.set_default_timeout(timeout)
            page.goto(f"{env.national}/thu-tuc/{s.code}")
            page.get_by_label("Tỉnh/Thành phố, Bộ ngành", exact=True).select_option(label=self.unit_name)
            agency = page.get_by_label("Cơ quan thực hiện", exact=True)
            agency.select_option(value=agency.locator("option:not([value=''])").first.get_attribute("value"))
            button = page.get_by_role("button", name="Nộp trực tuyến", exact=True).or_(
                page.get_by_role("link", name="Nộp trực tuyến", exact=True)).first
            button.click()
            page.wait_for_url(lambda url: urlsplit(url).netloc != national_host)
            if self.target.direct_entry and page.get_by_label(s.fields[s.steps[0].fields[0]].label,
                                                              exact=True).count() == 0:
                page.goto(values["direct_entry"])
            for index, step in enumerate(s.steps):
                page.get_by_role("heading", name=step.heading).first.wait_for()
                for field_id, raw in step.fill.items():
                    spec = s.fields[field_id]
                    control = page.get_by_label(spec.label, exact=True).first
                    value = values["fill"][field_id]
                    if spec.kind == "file":
                        control.set_input_files(self.upload)
                    elif spec.kind == "select":
                        control.select_option(label=value)
                    else:
                        control.fill(value)
                if step.submit:
                    page.get_by_role("button", name=step.submit, exact=True).click()
                    page.get_by_text(s.success_text).first.wait_for()
                    code = re.search(r"Mã hồ sơ:\s*([\w.\-]+)", page.locator("body").inner_text())
                    assert code, "the script found no dossier code"
                    break
                page.get_by_role("button", name=step.next, exact=True).click()
        finally:
            context.close()
        return time.perf_counter() - started

    def target_values(self) -> dict:
        from engine.journey import MINIMAL_PDF
        from engine.phrases import fill_template
        tv = {"national": self.environment.national, "idp": self.environment.idp,
              "unit": self.environment.unit_url(self.target.unit), "code": self.scenario.code,
              "unit_option": self.unit_name, "agency_option": "", "citizen": self.citizen}
        self.upload = str(self.run_dir / "upload.pdf")
        Path(self.upload).write_bytes(MINIMAL_PDF)
        return {"direct_entry": fill_template(self.target.direct_entry or "", tv),
                "fill": {f: fill_template(str(raw), tv) for step in self.scenario.steps for f, raw in step.fill.items()}}


# --------------------------------------------------------------------------- the run


def measure(args) -> dict:
    """Rounds of (script, tool) on the main journey, then the tool with all criteria; prints
    the tables and returns the figures. The walks' scratch folder goes at the end."""
    bench = Bench(args)
    try:
        return _measure(args, bench)
    finally:
        shutil.rmtree(bench.run_dir, ignore_errors=True)


def _measure(args, bench: "Bench") -> dict:
    from playwright.sync_api import sync_playwright
    out: dict = {}
    with sync_playwright() as playwright:
        bench.start(playwright)
        if args.runs:  # the hand-written script knows no unit login gate: only when compared with it
            bench.script()  # warm-up of both sides (first context, first pages of each portal)
        bench.tool(all_criteria=False)
        ratios, scripts, tools = [], [], []
        if args.runs:
            print(f"Mục tiêu {bench.scenario.code}[{bench.target.id}] ({ENGINE_ROOT}), {args.runs} vòng xen kẽ; "
                  f"kịch bản tay chỉ gồm hành trình chính (không có probe).")
            print(f"{'vòng':>4} {'kịch bản tay (s)':>17} {'công cụ (s)':>12} {'tỉ lệ':>6}")
        for k in range(args.runs):
            if k % 2 == 0:
                sc = bench.script()
                tl, _ = bench.tool(all_criteria=False)
            else:
                tl, _ = bench.tool(all_criteria=False)
                sc = bench.script()
            scripts.append(sc)
            tools.append(tl)
            ratios.append(tl / sc)
            print(f"{k + 1:>4} {sc:>17.2f} {tl:>12.2f} {tl / sc:>6.2f}")
        if ratios:
            median = statistics.median(ratios)
            out.update(journey_ratio=median, script_s=statistics.median(scripts), tool_s=statistics.median(tools))
            print(f"Trung vị tỉ lệ công cụ/kịch bản tay (hành trình chính): {median:.2f} "
                  f"(mục tiêu ≤ 1,10: {'đạt' if median <= 1.10 else 'chưa đạt'}); "
                  f"trung vị {statistics.median(scripts):.2f} s / {statistics.median(tools):.2f} s.")
        if not args.all_runs:
            return out

        # -------------------------------------------------------------- all criteria, profiled
        spans, documents = Spans(), Documents()
        import engine.probe_library  # noqa: F401  (registers the probes before they are wrapped)
        if args.profile:
            instrument(spans, documents)
        profiler = cProfile.Profile() if args.cprofile else None
        per_target, probe_times, checks_s, cpu = [], defaultdict(list), [], []
        try:
            for _ in range(args.all_runs):
                if profiler:
                    profiler.enable()
                seconds, times = bench.tool(all_criteria=True)
                if profiler:
                    profiler.disable()
                per_target.append(seconds)
                checks_s.append(bench.last_checks_s)
                cpu.append(bench.last_cpu_s)
                for name, value in times.items():
                    probe_times[name].append(value)
        finally:
            spans.restore()
        cost = statistics.median(per_target)
        out.update(all_s=per_target, cpu_s=cpu, verdicts=bench.last_verdicts,
                   probes={n: statistics.median(v) for n, v in probe_times.items()},
                   probes_cpu={n: statistics.median(v) for n, v in documents.cpu_per_probe.items()})
        print()
        print(f"Chi phí mỗi mục tiêu, mọi tiêu chí ({len(bench.last_verdicts)} tiêu chí, "
              f"repeats={bench.target.thresholds.repeats}): trung vị {cost:.2f} s "
              f"({', '.join(f'{s:.2f}' for s in per_target)})"
              + (f"; hành trình chính ≈ {statistics.median(tools):.2f} s." if tools else ".")
              + f" CPU (trình duyệt + sandbox + Python): trung vị {statistics.median(cpu):.2f} s.")
        print("  kết luận:", ", ".join(f"{c}={o}" for c, o in sorted(bench.last_verdicts.items())))
        print("  probe (s, trung vị" + ("; số trang tải; CPU s" if args.profile else "") + "):")
        for name, values in sorted(probe_times.items(), key=lambda kv: -statistics.median(kv[1])):
            loads = documents.per_probe.get(name)
            used = documents.cpu_per_probe.get(name)
            print(f"    {name:<22} {statistics.median(values):6.2f}"
                  + (f"  {statistics.median(loads):4.0f} trang" if loads else "")
                  + (f"  CPU {statistics.median(used):5.2f} s" if used else ""))
        if documents.cpu_per_probe:
            probes_cpu = sum(statistics.median(v) for v in documents.cpu_per_probe.values())
            print(f"    (CPU của mọi probe {probes_cpu:.2f} s trên {statistics.median(cpu):.2f} s của cả mục tiêu)")
        print(f"    {'kiểm tra + ghi kết quả':<22} {statistics.median(checks_s):6.2f}")
        if spans.total:
            print(f"  khoảng thời gian (tổng trên {args.all_runs} lần, tính gộp, lồng nhau được tính cả hai):")
            for name, total in sorted(spans.total.items(), key=lambda kv: -kv[1]):
                print(f"    {name:<48} {total / args.all_runs:6.2f} s/lần  ({spans.count[name] // args.all_runs} lần gọi)")
        if profiler:
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(r"engine|checks", 30)
            print(text.getvalue())
    return out


def compare(args) -> int:
    """Before/after: this checkout's engine against another's (``--compare DIR``), one
    subprocess per measure, alternated, on one sandbox; per-target cost with all criteria and
    the main journey's ratio to the hand-written script, for each side."""
    import json
    import subprocess
    results: dict[str, list[dict]] = {"trước": [], "sau": []}
    sides = {"trước": Path(args.compare).resolve(), "sau": ROOT}
    for k in range(args.rounds):
        for side in (("trước", "sau") if k % 2 == 0 else ("sau", "trước")):
            command = [sys.executable, str(Path(__file__).resolve()), "--engine-root", str(sides[side]),
                       "--sandbox-pid-from", args.urls_file,
                       "--urls-file", args.urls_file, "--runs", str(args.runs), "--all-runs", str(args.all_runs),
                       "--no-profile", "--json", "--scenario", str(args.scenario), "--target", args.target,
                       "--repeats", str(args.repeats)]
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            line = next((l for l in reversed(done.stdout.splitlines()) if l.startswith("{")), None)
            if line is None:
                print(done.stdout[-2000:], done.stderr[-2000:])
                return 2
            data = json.loads(line)
            results[side].append(data)
            print(f"vòng {k + 1} {side:>5}: mọi tiêu chí {statistics.median(data['all_s']):6.2f} s "
                  f"(CPU {statistics.median(data.get('cpu_s') or [0]):5.2f} s); "
                  f"hành trình chính / kịch bản tay {data.get('journey_ratio', float('nan')):.2f}", flush=True)
    before = statistics.median(t for r in results["trước"] for t in r["all_s"])
    after = statistics.median(t for r in results["sau"] for t in r["all_s"])
    cpu_before = statistics.median(t for r in results["trước"] for t in r.get("cpu_s", [0]))
    cpu_after = statistics.median(t for r in results["sau"] for t in r.get("cpu_s", [0]))
    same = all(r["verdicts"] == results["trước"][0]["verdicts"] for side in results.values() for r in side)
    print(f"Chi phí mỗi mục tiêu, mọi tiêu chí (trung vị): trước {before:.2f} s, sau {after:.2f} s, "
          f"sau/trước {after / before:.2f}. Kết luận giống hệt nhau: {'có' if same else 'KHÔNG'}.")
    if not same:  # which criterion differed, in which measure
        reference = results["trước"][0]["verdicts"]
        for side, runs in results.items():
            for number, r in enumerate(runs, 1):
                differ = {c: (reference.get(c), o) for c, o in r["verdicts"].items() if reference.get(c) != o}
                if differ:
                    print(f"  khác lần đo 1 của “trước”: {side} lần {number}: {differ}")
    if cpu_before:
        print(f"CPU mỗi mục tiêu (trình duyệt + sandbox + Python, trung vị): trước {cpu_before:.2f} s, "
              f"sau {cpu_after:.2f} s, sau/trước {cpu_after / cpu_before:.2f}.")
    if args.runs:
        rb = statistics.median(r["journey_ratio"] for r in results["trước"])
        ra = statistics.median(r["journey_ratio"] for r in results["sau"])
        print(f"Tỉ lệ hành trình chính / kịch bản tay (trung vị): trước {rb:.2f}, sau {ra:.2f}.")
    probes = sorted({n for side in results.values() for r in side for n in r.get("probes", {})})
    print(f"  {'probe':<22} {'trước (s)':>10} {'sau (s)':>8}")
    for name in probes:
        b = statistics.median(r["probes"].get(name, 0) for r in results["trước"])
        a = statistics.median(r["probes"].get(name, 0) for r in results["sau"])
        print(f"  {name:<22} {b:>10.2f} {a:>8.2f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="rounds of (script, tool) for the main journey")
    parser.add_argument("--all-runs", type=int, default=2, help="rounds of the tool with all criteria (profiled)")
    parser.add_argument("--scenario", type=Path, default=ROOT / "sandbox" / "scenarios" / "2.000635.yaml")
    parser.add_argument("--target", default="tham-chieu")
    parser.add_argument("--repeats", type=int, default=0,
                        help="thresholds.repeats for the target (0: the scenario's); the matrix uses 3")
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile's top engine functions")
    parser.add_argument("--no-profile", dest="profile", action="store_false", help="no timing spans")
    parser.add_argument("--urls-file", default=None, help="a running sandbox's URLs file (else one is started)")
    parser.add_argument("--replica", default=None, metavar="UNITS",
                        help="start the sandbox as the letter's replica with these units (e.g. can-tho,da-nang) "
                             "and measure a target of scenarios/ (--scenario scenarios/2.000635.yaml --target can-tho)")
    parser.add_argument("--engine-root", default=None, help="measure the engine of another checkout")
    parser.add_argument("--compare", default=None, metavar="DIR",
                        help="before/after: that checkout's engine vs this one, alternated (subprocesses)")
    parser.add_argument("--rounds", type=int, default=4, help="with --compare: measures per side")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--sandbox-pid-from", default=None, help=argparse.SUPPRESS)  # set by --compare
    args = parser.parse_args(argv)

    from engine.config import SANDBOX_URLS_VARIABLE
    from engine.sandbox_process import SandboxProcess, export_urls
    import os
    process = None
    if args.sandbox_pid_from:  # a sandbox another process started: its CPU counts too
        os.environ["DVC_SANDBOX_URLS_FILE_FOR_BENCH"] = args.sandbox_pid_from
    if args.urls_file:
        os.environ[SANDBOX_URLS_VARIABLE] = args.urls_file
    else:
        process = SandboxProcess(extra_args=["--set", "replica", "--units", args.replica] if args.replica else None)
        process.start()
        export_urls(process, SANDBOX_URLS_VARIABLE)
        args.urls_file = str(process.urls_file)
    t0 = time.monotonic()
    try:
        if args.compare:
            return compare(args)
        figures = measure(args)
    finally:
        if process is not None:
            process.stop()
    print(f"Tổng thời gian: {time.monotonic() - t0:.1f} s.")
    if args.json:
        import json
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
