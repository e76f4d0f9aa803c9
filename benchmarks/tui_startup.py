"""How fast does the desk paint its first screen with 100,000 customers, next to a bare Textual app?

    /work/venv/bin/python benchmarks/tui_startup.py [--customers 100000] [--runs 7] [--rebuild]

Builds (once, cached in benchmarks/out/) a desk of N customers with follow-ups and open complaints,
inserted with executemany into the migrated schema (the FTS triggers index them). Then, in subprocesses
under a pseudo-terminal of 120x40, measures from just before the process is spawned to the moment the
first screen has been painted (the app's first `call_after_refresh` after mount), for:

- bare:        a bare Textual app (Header, Static, Footer), exiting itself at that moment;
- deskapp:     the `deskapp` command on the big desk (the CLI opens the engine, then starts the TUI);
- deskapp-lazy: `python -m deskapp.tui`, where the engine opens in a worker after the first paint;
- deskapp-proposed: the `deskapp` command (typer and all) with open_tui changed to do the same;

plus the CPU time each process used up to its first paint (less disturbed by other load on the machine
than wall time), for both desk runs the time until the Today page shows its data, and the peak RSS of
each process (`os.wait4` rusage, per child). Prints a table and JSON (also written to benchmarks/out/tui_startup.json).
Targets: first paint within 1.5x of the bare app; peak memory under 250 MB.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import random
import resource
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PYTHON = sys.executable
DESKAPP = str(Path(PYTHON).with_name("deskapp"))
SIZE = (40, 120)  # rows, columns
TIMEOUT_S = 60

BARE_APP = textwrap.dedent(
    """
    import os, time
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Bare(App):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello")
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(self.painted)

        def painted(self) -> None:
            with open(os.environ["DESKAPP_PROBE"], "a") as handle:
                handle.write(f"painted {time.time():.6f}\\n")
            self.exit()

    Bare().run()
    """
)

# The `deskapp` command with the change proposed for deskapp/cli/__init__.py: open_tui hands the TUI the
# --db value and lets it open the engine after the first paint (run_desk(None, url=state.db, ...)).
PROPOSED_CLI = textwrap.dedent(
    """
    import sys
    import deskapp.cli as cli
    from deskapp.cli.common import desk, handle_errors

    @handle_errors
    def open_tui(ctx):
        state = desk(ctx)
        from deskapp.tui.app import run_desk

        run_desk(None, url=state.db, staff=state.staff)

    cli.open_tui = open_tui
    sys.argv = ["deskapp", *sys.argv[1:]]
    cli.main()
    """
)

FIRST = "Anna Bence Csilla Dávid Emma Ferenc Greta Hugo Ida János Kata László Maja Nils Olga Péter Rita Sven Tünde Ulla Vera Wim Xenia Yusuf Zoltán Åsa Ödön Lars Mpho Thabo Priya Ravi Imogen Freddie".split()  # noqa: E501
LAST = "Kovács Lindqvist Nagy Szabó Tóth Horváth Varga Molnár Németh Farkas Balogh Papp Engström Nyström Holmqvist Botha Dlamini Mokoena Okafor Marsh Fletcher Hargreaves Virtanen Räsänen Heikkilä Smith Jones Brown Taylor Wilson".split()  # noqa: E501
COMPANIES = ["", "", "", "Nordljus AB", "Kovács és Társa Kft.", "Bringafutár Kft.", "Marsh & Co", "Acme Ltd"]
STAGES = ["awareness"] * 2 + ["consideration"] * 2 + ["purchase"] * 2 + ["retention"] * 4 + ["advocacy", "churned"]
OWNERS = ["anna", "bence", "thabo", "oliver"]
SOURCES = ["google", "walk-in", "referral", "facebook", "event", ""]
TAGS = ["", ",vip,", ",ebike,", ",commuter,", ",b2b,", ",newsletter,", ",family,racing,"]


def _stamp(moment: datetime) -> str:
    """How the UTCDateTime column stores a moment on SQLite (naive UTC text)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build_desk(path: Path, customers: int) -> None:
    """A migrated desk, then bulk rows straight into the tables (the search index fills by trigger)."""
    sys.path.insert(0, str(HERE.parent))
    from deskapp.core.db.engine import open_engine

    path.unlink(missing_ok=True)
    engine = open_engine(path)
    engine.dispose()
    rng = random.Random(20261123)
    now = datetime.now(UTC)
    today = date.today()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    t0 = time.perf_counter()
    rows = []
    for n in range(1, customers + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        created = now - timedelta(days=rng.randint(1, 1500), minutes=rng.randint(0, 1440))
        phone = f"+4420{rng.randint(10_000_000, 99_999_999)}"
        rows.append(
            (
                f"{first} {last}",
                rng.choice(COMPANIES),
                f"{first.lower()}.{last.lower()}{n}@example.com",
                phone,
                phone,
                f"{phone[1:]} 0{phone[3:]}",
                rng.choice(TAGS),
                rng.choice(SOURCES),
                rng.choice(OWNERS),
                rng.choice(STAGES),
                None,
                None,
                "",
                "",
                f"B{n:07d}",
                _stamp(created),
                _stamp(created),
                0,
                1,
            )
        )
    con.executemany(
        "INSERT INTO customer (name, company, email, phone, phone_raw, search_phone, tags, source, owner, stage,"
        " cadence_days, birthday, special_dates, notes, external_id, created_at, updated_at, archived, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    follow_ups = [
        (
            rng.randint(1, customers),
            (today + timedelta(days=rng.randint(-20, 60))).isoformat(),
            rng.choice(["check_in", "thank_you", "onboarding", "complaint_follow_up", "other"]),
            "Check in: how is it going?",
            "open",
            rng.choice(OWNERS),
            0,
            _stamp(now - timedelta(days=30)),
            1,
        )
        for _ in range(max(1, customers // 30))
    ]
    con.executemany(
        "INSERT INTO follow_up (customer_id, due_date, kind, note, status, assignee, automatic, created_at, version)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        follow_ups,
    )
    complaints = []
    for _ in range(max(1, customers // 200)):
        opened = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
        complaints.append(
            (
                rng.randint(1, customers),
                _stamp(opened),
                "Bike not ready on the promised day",
                "",
                rng.choice(["quality", "delivery", "billing", "not_cared_for"]),
                rng.choice(["low", "normal", "normal", "high", "urgent"]),
                rng.choice(["open", "in_progress", "waiting_on_customer"]),
                _stamp(opened + timedelta(hours=24)),
                _stamp(opened),
                rng.choice(OWNERS),
            )
        )
    con.executemany(
        "INSERT INTO complaint (customer_id, opened_at, subject, details, category, priority, status,"
        " first_response_due, updated_at, owner, resolution) VALUES (?,?,?,?,?,?,?,?,?,?,'')",
        complaints,
    )
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    os.chmod(path, 0o600)
    print(f"built {path} with {customers:,} customers in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def desk_size(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(con.execute("SELECT count(*) FROM customer").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _drain(fd: int) -> None:
    """Read the terminal output so the child never blocks on a full pty buffer."""
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def run_once(argv: list[str], env: dict[str, str], exit_on: str) -> dict[str, float]:
    """Spawn under a 120x40 pty; return seconds from spawn to each probe event, and the child's peak RSS."""
    with tempfile.NamedTemporaryFile("w", suffix=".probe", delete=False) as handle:
        probe = handle.name
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[0], SIZE[1], 0, 0))
    child_env = {**env, "DESKAPP_PROBE": probe, "DESKAPP_PROBE_EXIT": exit_on, "TERM": "xterm-256color"}
    reader = threading.Thread(target=_drain, args=(master,), daemon=True)
    reader.start()
    start = time.time()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=child_env, close_fds=True)
    os.close(slave)
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.002)
    proc.returncode = os.waitstatus_to_exitcode(status)
    ended = time.time()
    os.close(master)
    reader.join(timeout=1)
    events = {}
    with open(probe, encoding="utf-8") as handle:
        for line in handle:
            name, _, stamp = line.partition(" ")
            events[name] = float(stamp) - start
    os.unlink(probe)
    if exit_on not in events:
        raise RuntimeError(f"{argv} exited ({proc.returncode}) without reaching {exit_on!r}: {events}")
    return {
        **events,
        "exit": ended - start,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def measure(db: Path, runs: int) -> dict[str, dict[str, float]]:
    """Each round runs every case twice, interleaved: once exiting at its first paint (wall and CPU time to
    paint: CPU time is the fairer figure on a busy machine), once exiting when Today shows its data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKAPP_")}
    env.update(DESKAPP_USER="bench", DESKAPP_HOME=str(OUT / "home"))
    cases = {
        "bare": [PYTHON, "-c", BARE_APP],
        "deskapp": [DESKAPP, "--db", str(db)],
        "deskapp-lazy": [PYTHON, "-m", "deskapp.tui", "--db", str(db)],
        "deskapp-proposed": [PYTHON, "-c", PROPOSED_CLI, "--db", str(db)],
    }
    paints: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    loads: dict[str, list[dict[str, float]]] = {name: [] for name in cases if name != "bare"}
    for name, argv in cases.items():  # one warm-up each: page cache, .pyc files
        run_once(argv, env, "painted" if name == "bare" else "today-loaded")
    for _ in range(runs):
        for name, argv in cases.items():  # interleaved, so drift hits every case alike
            paints[name].append(run_once(argv, env, "painted"))
            if name in loads:
                loads[name].append(run_once(argv, env, "today-loaded"))
    summary: dict[str, dict[str, float]] = {}
    for name, samples in paints.items():
        summary[name] = {
            "first_paint_s": statistics.median(s["painted"] for s in samples),
            "first_paint_min_s": min(s["painted"] for s in samples),
            "cpu_to_paint_s": statistics.median(s["cpu_s"] for s in samples),
            "peak_rss_mb": max(s["peak_rss_mb"] for s in samples + loads.get(name, [])),
        }
        if name in loads:
            summary[name]["today_data_s"] = statistics.median(s["today-loaded"] for s in loads[name])
    return summary


SEARCHES = ("", "k", "ko", "kov", "kova", "kovacs", "anna k", "lind", "+44 20", "zz")


def search_latency(db: Path) -> dict[str, float]:
    """Search-as-you-type cost at this size: one page per keystroke, as the Customers page asks for it
    (best of three per query, after one warm-up pass)."""
    sys.path.insert(0, str(HERE.parent))
    from deskapp.core.customers.service import search_customers
    from deskapp.core.db.engine import open_engine, session_scope

    engine = open_engine(db)
    timings: dict[str, float] = {}
    with session_scope(engine) as session:
        for typed in SEARCHES:
            search_customers(session, typed, limit=100)
        for typed in SEARCHES:
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                search_customers(session, typed, limit=100)
                best = min(best, (time.perf_counter() - t0) * 1000)
            timings[typed or "(empty)"] = round(best, 2)
    engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--search", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    db = OUT / f"tui_{args.customers}.db"
    if args.build:
        build_desk(db, args.customers)
        return
    if args.search:
        print(json.dumps(search_latency(db)))
        return
    if args.rebuild or desk_size(db) != args.customers:
        # In a child process: a child's peak RSS counts its parent's size at fork, so this one stays small.
        subprocess.run([PYTHON, __file__, "--build", "--customers", str(args.customers)], check=True)
    summary = measure(db, args.runs)
    searches = json.loads(
        subprocess.run(
            [PYTHON, __file__, "--search", "--customers", str(args.customers)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    bare = summary["bare"]
    for case in summary.values():
        case["ratio_to_bare"] = case["first_paint_s"] / bare["first_paint_s"]
        case["ratio_min_to_bare"] = case["first_paint_min_s"] / bare["first_paint_min_s"]
        case["cpu_ratio_to_bare"] = case["cpu_to_paint_s"] / bare["cpu_to_paint_s"]
    report = {
        "customers": args.customers,
        "runs": args.runs,
        "terminal": f"{SIZE[1]}x{SIZE[0]} pty",
        "python": sys.version.split()[0],
        "cases": summary,
        "search_page_ms": searches,
        "benchmark_process_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "targets": {"ratio_to_bare": 1.5, "peak_rss_mb": 250},
    }
    print(
        f"{'case':<17}{'first paint':>12}{'x bare':>8}{'(min)':>9}{'x bare':>8}{'CPU':>9}{'x bare':>8}"
        f"{'Today data':>12}{'peak RSS':>10}"
    )
    for name, case in summary.items():
        data = f"{case['today_data_s']:.3f} s" if "today_data_s" in case else "-"
        print(
            f"{name:<17}{case['first_paint_s']:>10.3f} s{case['ratio_to_bare']:>7.2f}x"
            f"{case['first_paint_min_s']:>7.3f} s{case['ratio_min_to_bare']:>7.2f}x"
            f"{case['cpu_to_paint_s']:>7.3f} s{case['cpu_ratio_to_bare']:>7.2f}x"
            f"{data:>12}{case['peak_rss_mb']:>7.0f} MB"
        )
    print(
        f"search page (100 rows) at {args.customers:,} customers, ms: "
        + ", ".join(f"{q!r} {ms:.1f}" for q, ms in searches.items())
    )
    print(f"(a child's peak RSS includes this benchmark process's own: {report['benchmark_process_rss_mb']:.0f} MB)")
    text = json.dumps(report, indent=2)
    (OUT / "tui_startup.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
