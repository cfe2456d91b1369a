"""Voting benchmark (issue 5): N delegates on real WebSockets against a
Release plenumd and a durable PostgreSQL (fsync on, synchronous_commit on).

  1. burst: every delegate casts a secret ballot at a random moment within
     one second; acknowledgement latency p50/p99/max, measured by the client
     from send to the ok that says the ballot is committed;
  2. sustained: ROUNDS votes back to back, every delegate casting at once;
     durable ballots per second from the first send to the last ack.

Usage: vote_bench.py PLENUMD VOTE_LOAD [--delegates 500] [--rounds 20] [--json OUT]
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


def bench(d, sid, tokens, n, rounds, vote_load, board):
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
        r = subprocess.run([vote_load, "127.0.0.1", str(d.port), str(sid), f.name, str(rounds),
                            out, json.dumps(board)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=600)
        if prof:
            import signal
            prof.send_signal(signal.SIGINT)
            prof.wait()
        if r.returncode != 0:
            raise RuntimeError(f"vote_load failed: {r.stdout}\n{d.log()[-3000:]}")
        with open(out) as g:
            return json.load(g)
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
    ap.add_argument("--json")
    args = ap.parse_args()
    os.environ["PLENUMD"] = os.path.abspath(args.plenumd)
    os.environ.setdefault("PL_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
    pg = PgCluster(durable=True)
    try:
        url = council_fixture.demo_db(pg, "bench")
        sid, tokens, people = council_fixture.big_council(pg, "bench", args.delegates + 1)
        d = Plenumd(url, extra_args=["--ws-rate-per-minute", "600000", "--ws-rate-burst",
                                     "100000", "--log-level", "warn"])
        try:
            res = bench(d, sid, tokens, args.delegates, args.rounds,
                        os.path.abspath(args.vote_load), council_fixture.big_board(people))
        finally:
            d.stop()
            d.cleanup()
    finally:
        pg.destroy()
    res["machine"] = f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} " \
                     f"{platform.release()}"
    res["postgresql"] = "15, fsync on, synchronous_commit on, unix socket"
    print("| delegates | burst p50 | burst p99 | burst max | sustained ballots/s | "
          "sustained p50 | sustained p99 |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {res['delegates']} | {res['burst_p50_ms']} ms | {res['burst_p99_ms']} ms | "
          f"{res['burst_max_ms']} ms | {res['sustained_ballots_per_s']} "
          f"({res['sustained_ballots']} in {res['sustained_seconds']} s) | "
          f"{res['sustained_p50_ms']} ms | {res['sustained_p99_ms']} ms |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
