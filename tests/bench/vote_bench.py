"""Voting benchmark (issue 5): N delegates on real WebSockets against a
Release plenumd and a durable PostgreSQL (fsync on, synchronous_commit on).

  1. burst: every delegate casts a secret ballot at a random moment within
     one second; acknowledgement latency p50/p99/max, measured by the client
     from send to the ok that says the ballot is committed;
  2. sustained: ROUNDS votes back to back, every delegate casting at once;
     durable ballots per second from the first send to the last ack.

  3. the same with IDLE more WebSockets open and silent (--idle 0,10000):
     the event loop's cost per wake-up must not grow with connections that
     do nothing. plenumd's CPU time (/proc) and its loop wake-ups
     (/metrics, plenum_loop_wakeups_total) are sampled at the start and end
     of the sustained rounds.

Usage: vote_bench.py PLENUMD VOTE_LOAD [--delegates 500] [--rounds 20]
       [--idle 0,10000] [--json OUT]
(VOTE_LOAD is tests/bench/vote_load.c built: the client in C, so that the
client is not what is measured.)
Prints a Markdown table; writes the figures as JSON with --json.
"""

import argparse
import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import council_fixture  # noqa: E402
from plenum_testlib import PgCluster, Plenumd  # noqa: E402


def cpu_s(pid):
    """The process's user + system CPU time so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counters(d):
    """(plenum_loop_wakeups_total, plenum_websocket_messages_out_total) from
    /metrics; the first is None for a plenumd without it."""
    import urllib.request
    found = {}
    with urllib.request.urlopen(f"http://127.0.0.1:{d.port}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            name, _, value = line.partition(" ")
            if name in ("plenum_loop_wakeups_total", "plenum_websocket_messages_out_total"):
                found[name] = int(float(value))
    return found.get("plenum_loop_wakeups_total"), found.get("plenum_websocket_messages_out_total")


def bench(d, sid, tokens, n, rounds, vote_load, board, idle):
    """Runs the C load generator against plenumd; returns its figures."""
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as f:
        f.write(tokens["big001"] + "\n")
        for i in range(2, n + 2):
            f.write(tokens[f"big{i:03d}"] + "\n")
    out = f.name + ".json"
    try:
        prof = None
        if os.environ.get("PL_BENCH_PERF"):
            prof = subprocess.Popen(["perf", "record", "-g", "-F", "1000", "-p", str(d.proc.pid),
                                     "-o", os.environ["PL_BENCH_PERF"]],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p = subprocess.Popen([vote_load, "127.0.0.1", str(d.port), str(sid), f.name, str(rounds),
                              out, json.dumps(board), str(idle)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        marks, other = {}, []
        for line in p.stdout:
            if line.startswith("mark "):
                marks[line.split()[1]] = (cpu_s(d.proc.pid),) + counters(d)
            else:
                other.append(line)
        code = p.wait(timeout=600)
        if prof:
            import signal
            prof.send_signal(signal.SIGINT)
            prof.wait()
        if code != 0:
            raise RuntimeError(f"vote_load failed: {''.join(other)}\n{d.log()[-3000:]}")
        with open(out) as g:
            res = json.load(g)
        (c0, w0, m0), (c1, w1, m1) = marks["sustained-start"], marks["sustained-end"]
        res["plenumd_cpu_ms_per_1000_ballots"] = round((c1 - c0) * 1e6 / res["sustained_ballots"], 1)
        res["frames_out_per_ballot"] = round((m1 - m0) / res["sustained_ballots"], 2)
        if w0 is not None:
            res["loop_wakeups"] = w1 - w0
            res["plenumd_cpu_us_per_wakeup"] = round((c1 - c0) * 1e6 / max(1, w1 - w0), 1)
        return res
    finally:
        os.unlink(f.name)
        if os.path.exists(out):
            os.unlink(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plenumd")
    ap.add_argument("vote_load")
    ap.add_argument("--delegates", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--idle", default="0",
                    help="comma-separated counts of idle WebSockets, one run each")
    ap.add_argument("--json")
    args = ap.parse_args()
    idles = [int(x) for x in args.idle.split(",")]
    os.environ["PLENUMD"] = os.path.abspath(args.plenumd)
    os.environ.setdefault("PL_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
    pg = PgCluster(durable=True)
    try:
        url = council_fixture.demo_db(pg, "bench")
        sid, tokens, people = council_fixture.big_council(pg, "bench", args.delegates + 1)
        d = Plenumd(url, extra_args=["--ws-rate-per-minute", "600000", "--ws-rate-burst",
                                     "100000", "--log-level", "warn"])
        try:
            runs = [bench(d, sid, tokens, args.delegates, args.rounds,
                          os.path.abspath(args.vote_load), council_fixture.big_board(people), idle)
                    for idle in idles]
        finally:
            d.stop()
            d.cleanup()
    finally:
        pg.destroy()
    res = dict(runs[0])
    res["runs"] = runs
    res["machine"] = f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} " \
                     f"{platform.release()}"
    res["postgresql"] = "15, fsync on, synchronous_commit on, unix socket"
    res["load_average"] = os.getloadavg()
    print("| delegates | idle | burst p50 | burst p99 | burst max | sustained ballots/s | "
          "sustained p50 | sustained p99 | plenumd CPU per 1000 ballots | loop wake-ups | "
          "CPU per wake-up | frames out per ballot |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['delegates']} | {r['idle']} | {r['burst_p50_ms']} ms | {r['burst_p99_ms']} ms | "
              f"{r['burst_max_ms']} ms | {r['sustained_ballots_per_s']} "
              f"({r['sustained_ballots']} in {r['sustained_seconds']} s) | "
              f"{r['sustained_p50_ms']} ms | {r['sustained_p99_ms']} ms | "
              f"{r['plenumd_cpu_ms_per_1000_ballots']} ms | {r.get('loop_wakeups', '—')} | "
              f"{r.get('plenumd_cpu_us_per_wakeup', '—')} µs | {r['frames_out_per_ballot']} |")
    if len(runs) > 1:
        a, b = runs[0], runs[-1]
        print(f"\nwith {b['idle']} idle vs {a['idle']}: sustained ballots/s "
              f"{b['sustained_ballots_per_s'] / a['sustained_ballots_per_s']:.2f}x, plenumd CPU "
              f"per ballot {b['plenumd_cpu_ms_per_1000_ballots'] / a['plenumd_cpu_ms_per_1000_ballots']:.2f}x")
    print(f"load average {res['load_average'][0]:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
