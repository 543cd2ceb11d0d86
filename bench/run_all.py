"""Every benchmark, one after another, each in a process of its own (so each peak memory figure
is that benchmark's), then bench/RESULTS.md rewritten with their figures and this machine.

    python bench/run_all.py
        [--only delivery,answers,answers-sqlite,tick,summaries,freeze,flood,charts,morning]
        [--no-write]

Needs PostgreSQL on 127.0.0.1:5432 (REFLEKS_BENCH_PG_URL to change it) and, for the delivery
benchmark's instances sharing a limit, Redis on 127.0.0.1:6379 (REFLEKS_BENCH_REDIS_URL); each
benchmark makes and drops a database of its own. Takes some 50 minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "RESULTS.md"
RESULT_MARK = "BENCH-RESULT "  # as bench/support.py prints it
SUMMARY_GROUPS = 8000


def in_project_environment() -> None:
    """`python bench/run_all.py` from any Python: hand over to the project's virtualenv."""
    try:
        import aiogram  # noqa: F401
    except ImportError:
        outside = Path(sys.prefix).resolve() != VENV_PYTHON.parents[1].resolve()
        if VENV_PYTHON.exists() and outside:
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
        sys.exit("run_all: the project's dependencies are missing; run `python3 dev.py install`")


def run(script: str, *args: str) -> tuple[str, dict[str, Any] | None, float]:
    """Runs a benchmark, echoing its output; returns the output, its result line, seconds."""
    command = [sys.executable, str(ROOT / "bench" / script), *args]
    print(f"\n=== {' '.join([script, *args])}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # lines as they come, not at the end
    )
    assert process.stdout is not None
    lines, result = [], None
    for line in process.stdout:
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
            continue
        print(line, end="", flush=True)
        lines.append(line)
    if process.wait() != 0:
        lines.append(f"(exited with status {process.returncode})\n")
        print(lines[-1], end="")
    return "".join(lines), result, time.perf_counter() - started


def summaries_options() -> list[str] | None:
    """bench_summaries.py is a colleague's; it is run for 8,000 groups if it takes --groups."""
    script = ROOT / "bench" / "bench_summaries.py"
    if not script.exists():
        return None
    usage = subprocess.run(
        [sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    options = ["--groups", str(SUMMARY_GROUPS)] if "--groups" in usage else []
    return options + (["--postgresql"] if "--postgresql" in usage else [])


def machine_lines() -> list[str]:
    sys.path.insert(0, str(ROOT))
    import asyncio

    from bench.support import machine, postgres_version

    described = machine()
    described["postgresql"] = asyncio.run(postgres_version())
    return [
        f"- CPUs (nproc): {described['nproc']} ({described['cpu']})",
        f"- memory: {described['memory']}",
        f"- Python {described['python']}, PostgreSQL {described['postgresql']}, {described['os']}",
        "- PostgreSQL, the benchmark and the local Bot API server share these CPUs",
    ]


def key_figures(results: dict[str, dict[str, Any]]) -> list[str]:
    rows = ["| benchmark | figure | ratio (baseline in the same run) |", "|---|---|---|"]
    delivery = results.get("delivery")
    if delivery:
        a, b = delivery["unlimited"], delivery.get("limited") or {}
        rows.append(
            f"| 1a delivery, no server limit | {a['rate']:,.0f} messages/s"
            f" ({a['sent']:,} in {a['send_s']:.1f} s, {a['duplicates']} duplicates)"
            f" | {a['ratio_ceiling']:.2f} x the 1,000/s ceiling;"
            f" {a['ratio_bare']:.2f} x a bare send loop ({a['bare_rate']:,.0f}/s) |"
        )
        if b:
            rows.append(
                f"| 1b delivery, server at 30/s, ours 25/s | {b['rate']:.1f} messages/s"
                f" ({b['sent']} messages), {b['refused_429']} 429s,"
                f" {b['duplicates']} duplicates | {b.get('share_of_ours', 0):.2f} x ours;"
                f" {b['share_of_limit']:.0%} of the server's limit |"
            )
        c = delivery.get("shared") or {}
        if c:
            one, many = c["one"], c["many"]
            rows.append(
                f"| 1c delivery, {many['instances']} engine processes sharing the queue and a"
                f" 1,000/s limit in Redis | {many['rate']:,.0f} messages/s ({many['sent']:,} sent,"
                f" {many['duplicates']} duplicates) | {many['rate'] / one['rate']:.2f} x one such"
                f" process ({one['rate']:,.0f}/s); {many['rate'] / 1000:.2f} x the ceiling |"
            )
        rows.append(f"| 1 peak memory | {delivery['peak_rss_mb']:.0f} MB | |")
    for name, where in (("answers", "PostgreSQL"), ("answers-sqlite", "SQLite")):
        answers = results.get(name)
        if not answers:
            continue
        for key, label in (("sequential", "one at a time"), ("concurrent", "8 at a time")):
            rows.append(
                f"| 2 answers ({where}), {label} | {answers[f'{key}_rate']:,.0f} answers/s"
                f" ({answers[f'{key}_stored']:,} stored),"
                f" {answers.get(f'{key}_round_trips', 0):.1f} database round trips an update"
                f" | {answers[f'{key}_ratio']:.2f} x an empty handler"
                f" ({answers[f'{key}_baseline']:,.0f}/s) |"
            )
    tick = results.get("tick")
    if tick:
        base = tick["sizes"][0]
        for size in tick["sizes"]:
            grown = (
                f"due {size['due_tick_s'] / base['due_tick_s']:.1f} x,"
                f" quiet {size['quiet_tick_s'] / base['quiet_tick_s']:.1f} x,"
                f" Tuesday {size['tuesday_tick_s'] / base['tuesday_tick_s']:.1f} x"
                f" the {base['staff']:,}-staff figures"
                if size is not base
                else "baseline"
            )
            rows.append(
                f"| 3 tick, {size['staff']:,} staff ({size['units']:,} schools)"
                f" | Monday's due tick {size['due_tick_s']:.2f} s ({size['owed']:,} owed)"
                f" = {size['due_tick_s'] / size.get('bare_write_s', size['due_tick_s']):.1f} x"
                f" writing its rows alone ({size.get('bare_write_s', 0):.2f} s),"
                f" quiet tick {size['quiet_tick_s']:.2f} s, claim {size['claim_s'] * 1000:.0f} ms,"
                f" Tuesday's tick {size['tuesday_tick_s']:.2f} s ({size['tuesday_steps']:,}"
                f" steps, {size['tuesday_reminders']:,} reminders); booking the sends"
                f" {size.get('due_pacing_s', 0):.2f} s of Monday's tick, into"
                f" {size.get('booked_minutes', 0)} minutes at 25/s | {grown} |"
            )
        rows.append(f"| 3 peak memory | {tick['peak_rss_mb']:.0f} MB | |")
    summaries = results.get("summaries")
    if summaries:
        rows.append(
            f"| 4 summaries, {summaries['groups']:,} groups ({summaries['where']})"
            f" | freeze + render {summaries['seconds']:.0f} s, {summaries['charts_s']:.0f} s with"
            f" every chart drawn (extrapolated) | {summaries['ratio']} x the pure aggregation |"
        )
    freeze = results.get("freeze")
    if freeze:
        for name in ("sqlite", "postgresql"):
            if f"{name}_old_s" not in freeze:
                continue
            old, new = freeze[f"{name}_old_s"], freeze[f"{name}_new_s"]
            compaction = freeze[f"{name}_compaction_s"]
            rows.append(
                f"| 5 freeze, {freeze['groups']:,} groups ({name}) | sealed {new:.1f} s"
                f" + compaction {compaction:.1f} s | {(new + compaction) / old:.2f} x the old"
                f" freeze ({old:.1f} s) |"
            )
    flood = results.get("flood")
    if flood:
        rows.append(
            f"| 6 flood, {flood['burst']} messages from one member | another member's /help"
            f" answered in {flood['flooded_s']:.1f} s, {flood['refusals']} 429s"
            f" | {flood['ratio']:.0f} x a quiet bot ({flood['quiet_s'] * 1000:.0f} ms) |"
        )
    charts = results.get("charts")
    if charts:
        rows.append(
            f"| 7 charts | {charts['ms_per_group']:.1f} ms CPU a group ({charts['pages']} pages)"
            f" | {charts['ms_per_group'] / max(charts['blank_ms'], 0.1):.1f} x encoding blank"
            f" pages of the same sizes ({charts['blank_ms']:.1f} ms) |"
        )
    morning = results.get("morning")
    if morning:
        rows += [morning_row(morning["paid"], "paid broadcasts, ours 900/s", 1000.0)]
        if morning.get("free"):
            rows += [morning_row(morning["free"], "free limit, ours 25/s (a sample)", 30.0)]
        rows.append(f"| 8 peak memory | {morning['peak_rss_mb']:.0f} MB | |")
    return rows


def morning_row(run: dict[str, Any], label: str, ideal_rate: float) -> str:
    if not run:
        return f"| 8 national morning, {label} | not run | |"
    ideal = run["owed"] / ideal_rate
    return (
        f"| 8 national morning, {label}: {run['staff']:,} staff | {run['received']:,} of"
        f" {run['owed']:,} delivered in {run['wall_s']:.0f} s, {run['duplicates']} duplicates,"
        f" {run['lost']} lost; booked finish {run['booked_last_local']}, last send"
        f" {run['last_sent_local']}; {run['early']} early, {run['night']} at night,"
        f" {run['schools_apart']} schools apart | {run['wall_s'] / ideal:.2f} x the ideal at"
        f" {ideal_rate:,.0f}/s ({ideal:.0f} s) |"
    )


def summaries_figures(output: str) -> dict[str, Any] | None:
    """bench_summaries.py prints no result line: its closing lines, read (skipped if they
    change)."""
    total = re.search(r"freeze \+ render of (\d+) summaries: ([\d.]+) s.*?(\d+)x the pure", output)
    charts = re.search(r"with charts: ([\d.]+) s", output)
    if total is None or charts is None:
        return None
    return {
        "where": "PostgreSQL" if "(PostgreSQL)" in output else "SQLite",
        "groups": int(total.group(1)),
        "seconds": float(total.group(2)),
        "ratio": int(total.group(3)),
        "charts_s": float(charts.group(1)),
    }


def write_results(
    outputs: dict[str, str], results: dict[str, dict[str, Any]], took: dict[str, float]
) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run_all.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        " (each benchmark's own figures and how it measures are in its docstring).",
        "",
        "## Machine",
        "",
        *machine_lines(),
        "",
        "## Key figures",
        "",
        *key_figures(results),
        "",
        "## Output",
    ]
    for name, output in outputs.items():
        lines += ["", f"### {name} ({took[name]:.0f} s)", "", "```", output.rstrip(), "```"]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


def main() -> int:
    in_project_environment()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        default="delivery,answers,answers-sqlite,tick,summaries,freeze,flood,charts,morning",
    )
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args()
    wanted = args.only.split(",")
    outputs: dict[str, str] = {}
    results: dict[str, dict[str, Any]] = {}
    took: dict[str, float] = {}
    for name, script, *options in (
        ("delivery", "bench_delivery.py"),
        ("answers", "bench_answers.py"),
        ("answers-sqlite", "bench_answers.py", "--sqlite"),
        ("tick", "bench_tick.py"),
        ("freeze", "bench_freeze.py"),
        ("flood", "bench_flood.py"),
        ("charts", "bench_charts.py"),
        ("morning", "bench_morning.py"),
    ):
        if name in wanted:
            outputs[name], result, took[name] = run(script, *options)
            if result:
                results[name] = result
    if "summaries" in wanted:
        options = summaries_options()
        if options is None:
            print("\n=== bench_summaries.py is not there yet: skipped")
        else:
            if not options:
                print("\n(bench_summaries.py takes no --groups: run at its own size)")
            outputs["summaries"], _, took["summaries"] = run("bench_summaries.py", *options)
            figures = summaries_figures(outputs["summaries"])
            if figures:
                results["summaries"] = figures
    if not args.no_write:
        write_results(outputs, results, took)
    return 0


if __name__ == "__main__":
    sys.exit(main())
