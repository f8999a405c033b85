#!/usr/bin/env python3
"""The report of bench/observability-cpu.sh: server CPU µs per request by thread group, off vs on.

Usage: observability-cpu-report.py DATA SNAPS HZ OUT LINES SCRAPE_FILE REPS COUNT WARM_LOG META [MODE RUN_SECS]
  DATA     rows "proto server rep succeeded wall_ms" (tab-separated), one per measured run
  MODE     "together" (the three servers loaded at the same time for RUN_SECS) or "alternate" (one after
           another, COUNT requests each; the default, as runs before the mode existed)
  SNAPS    directory of per-run thread snapshots PROTO-SERVER-REP.0 / .1 ("tid name ticks" lines), or the
           snapshots.tsv a run leaves in its results (the same, file name first): to re-read a run
Prints the report (markdown, between the observability-cpu markers) and writes it to OUT.
"""
import os
import re
import statistics
import sys

# thread name (as /proc/PID/task/TID/comm has it, 15 characters at most) -> group
GROUPS = [
    ("jit", re.compile(r"^(C[12] CompilerThre|Sweeper thread)")),
    ("io", re.compile(r"^gatehouse-io")),
    ("gc", re.compile(r"^(GC Thread|ParGC|G1 |VM Thread)")),
    ("log", re.compile(r"^gatehouse-acces")),
    ("metrics", re.compile(r"^(gatehouse-metri|HTTP-Dispatcher)")),
]
COLUMNS = ["io", "gc", "log", "metrics", "other", "jit"]
NAMES = {"off": "Gatehouse, observability off", "on": "Gatehouse, metrics + access log", "haproxy": "HAProxy"}


def group(name, server):
    if server == "haproxy":
        return "io"
    for g, pat in GROUPS:
        if pat.match(name):
            return g
    return "other"


def load_snaps(snaps):
    """{"PROTO-SERVER-REP.0": {tid: (name, ticks)}} from the snapshot directory or its snapshots.tsv"""
    out = {}
    if os.path.isdir(snaps):
        rows = ([f] + line.rstrip("\n").split("\t") for f in sorted(os.listdir(snaps)) if f[-2:] in (".0", ".1")
                for line in open(os.path.join(snaps, f)))
    else:
        rows = (line.rstrip("\n").split("\t") for line in open(snaps))
    for parts in rows:
        if len(parts) == 4:
            out.setdefault(parts[0], {})[parts[1]] = (parts[2], int(parts[3]))
    return out


def run_cost(snaps, proto, server, rep, ok, hz):
    """µs of CPU per request by group, plus "steady" (all but jit); None when the run failed."""
    base = f"{proto}-{server}-{rep}"
    if ok <= 0 or base + ".0" not in snaps or base + ".1" not in snaps:
        return None
    before, after = snaps[base + ".0"], snaps[base + ".1"]
    ticks = dict.fromkeys(COLUMNS, 0)
    for tid, (name, t) in after.items():
        ticks[group(name, server)] += t - before.get(tid, (name, 0))[1]
    us = {g: 1e6 * t / hz / ok for g, t in ticks.items()}
    us["steady"] = sum(v for g, v in us.items() if g != "jit")
    return us


def spread(vals):
    """median, first and third quartile, min, max (inclusive quartiles; NaN when empty)"""
    if not vals:
        return (float("nan"),) * 5
    q = statistics.quantiles(vals, n=4, method="inclusive") if len(vals) > 1 else [vals[0]] * 3
    return statistics.median(vals), q[0], q[2], min(vals), max(vals)


def main():
    data, snaps, hz, out, lines, scrape_file, reps, count, warm_log, meta = sys.argv[1:11]
    extra = sys.argv[11:13]
    mode = extra[0] if extra else "alternate"
    run_secs = extra[1] if len(extra) > 1 else "0"
    hz, reps, snaps = int(hz), int(reps), load_snaps(snaps)
    runs, rates = {}, {}  # (proto, server) -> {rep: costs}, {rep: req/s}
    for row in open(data):
        proto, server, rep, ok, ms = row.rstrip("\n").split("\t")
        c = run_cost(snaps, proto, server, int(rep), int(ok), hz)
        if c is not None:
            runs.setdefault((proto, server), {})[int(rep)] = c
            rates.setdefault((proto, server), {})[int(rep)] = int(ok) / max(int(ms), 1) * 1000

    def med(proto, server, key):
        return spread([c[key] for c in runs.get((proto, server), {}).values()])

    table = ["| protocol | server | steady µs/request: median | IQR | event loop | GC + VM | access-log writer "
             "| metrics (scrape) | other | JIT (excluded) | req/s (median, noisy) | runs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    cost = ["| protocol | cost, steady: median | IQR | min–max | cost, event loop only: median | IQR "
            "| on − off µs/request (median) | writer + scrape threads (a floor) | on / HAProxy | ≤ 5% |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    every = ["| protocol | server | " + " | ".join(f"rep {r}" for r in range(1, reps + 1)) + " |",
             "|---|---|" + "---|" * reps]
    for proto in ("h1", "h2"):
        for server in ("off", "on", "haproxy"):
            c = runs.get((proto, server), {})
            m, q1, q3, _, _ = med(proto, server, "steady")
            cols = " | ".join(f"{med(proto, server, g)[0]:.2f}" for g in COLUMNS)
            rps = spread(list(rates.get((proto, server), {}).values()))[0]
            table.append(f"| {proto} | {NAMES[server]} | **{m:.2f}** | {q1:.2f}–{q3:.2f} | {cols} | {rps:,.0f} | {len(c)} |")
            every.append(f"| {proto} | {server} | " + " | ".join(
                f"{c[r]['steady']:.2f}" if r in c else "–" for r in range(1, reps + 1)) + " |")
        off, on = runs.get((proto, "off"), {}), runs.get((proto, "on"), {})
        both = [r for r in sorted(off) if r in on]
        steady = spread([on[r]["steady"] / off[r]["steady"] - 1 for r in both if off[r]["steady"] > 0])
        io = spread([on[r]["io"] / off[r]["io"] - 1 for r in both if off[r]["io"] > 0])
        delta = spread([on[r]["steady"] - off[r]["steady"] for r in both])[0]
        # the threads only "on" has: measured directly, without the pairing's noise
        direct = spread([(on[r]["log"] + on[r]["metrics"]) / off[r]["steady"] for r in both if off[r]["steady"] > 0])[0]
        hap = med(proto, "haproxy", "steady")[0]
        ok = "no" if direct > 0.05 else "yes" if steady[2] <= 0.05 else "likely" if steady[0] <= 0.05 else "no"
        cost.append(f"| {proto} | **{steady[0] * 100:+.1f}%** | {steady[1] * 100:+.1f}% to {steady[2] * 100:+.1f}% "
                    f"| {steady[3] * 100:+.1f}% to {steady[4] * 100:+.1f}% | {io[0] * 100:+.1f}% "
                    f"| {io[1] * 100:+.1f}% to {io[2] * 100:+.1f}% | {delta:+.2f} | {direct * 100:.1f}% "
                    f"| {med(proto, 'on', 'steady')[0] / hap:.2f}× | {ok} |")
    warm = [r.rstrip("\n").split("\t") for r in open(warm_log)]
    warm_txt = "; ".join(f"{s} round {n}: JIT {100 * int(j) / max(int(a), 1):.1f}% of its CPU" for s, n, j, a in warm)
    scrape = open(scrape_file, errors="replace").read() if os.path.exists(scrape_file) else ""
    series = sum(1 for line in scrape.splitlines() if line and not line.startswith("#"))
    meta_txt = "; ".join(line.strip() for line in open(meta) if line.strip())
    rep = ["<!-- observability-cpu:begin -->",
           "### Observability cost as CPU time per request (`bench/observability-cpu.sh`)", "",
           (f"REPS={reps} runs of {run_secs} s per protocol in which the three servers were loaded at the same "
            "time, one h2load each (they share CPU 0 from one scheduler slice to the next, so what slows the "
            "machine slows all three alike)" if mode == "together" else
            f"REPS={reps} runs of {int(count):,} requests per server and protocol, alternating") + "; µs of server CPU "
           "(all threads' utime + stime from /proc) per request, median over the runs; 'steady' leaves out the "
           "JIT compiler threads. Warm-up: " + warm_txt + ".", "",
           *table, "",
           "Cost of 'on' (target: at most 5%): median, interquartile range and min–max of the paired "
           f"per-repetition ratios on / off − 1 ({'the same run' if mode == 'together' else 'adjacent runs'}). '≤ 5%': yes when the upper quartile is at most "
           "5%, likely when only the median is, no when the floor alone is above 5%. 'Writer + scrape threads': the CPU of the threads only 'on' has "
           "(access-log writer, scrape), per request, as a share of off's steady figure: a floor of the cost, "
           "measured without the pairing's noise.", "",
           *cost, "",
           "Every run, steady µs per request:", "", *every, "",
           f"The 'on' node wrote {lines.strip()} access-log lines; its last scrape had {series} samples "
           f"({len(scrape.encode())} bytes).", "",
           "Machine: " + meta_txt, "<!-- observability-cpu:end -->"]
    open(out, "w").write("\n".join(rep) + "\n")
    print("\n".join(rep))


if __name__ == "__main__":
    main()
