"""Fan-out benchmark (issue 10): N observers on real WebSockets, one chair
stepping the agenda; how long each state change takes to reach every
observer (p50/p99/max), how fast N clients connect and join, and the server's
resident memory per idle connection — for a Release plenumd and, in the same
run, for the peer a team would otherwise write (a broadcast hub on Node's
`ws`, tests/bench/peer_hub.mjs), with the ratios. Then the same with slow
clients that stop reading, to show they do not delay the others.

Usage: fanout_bench.py PLENUMD FANOUT_LOAD [--clients 10000] [--events 20]
       [--slow 10] [--json OUT]
Prints a Markdown table; writes the figures as JSON with --json.
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import council_fixture  # noqa: E402
from live_client import LiveClient  # noqa: E402
from plenum_testlib import PgCluster, Plenumd, free_port  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def load(fanout, pid, url, sid, token, clients, events, slow):
    """Runs fanout_load; returns its figures plus the server's RSS per idle
    connection (measured while all are joined and before the steps)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    before = rss_kib(pid)
    p = subprocess.Popen([fanout, out, str(sid), token or "-", str(clients), str(events),
                          str(slow), url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    line = p.stdout.readline()
    if not line.startswith("JOINED"):
        p.kill()
        raise RuntimeError(f"fanout_load did not join: {line!r}")
    time.sleep(2)  # let the server settle
    after = rss_kib(pid)
    p.stdin.write("go\n")
    p.stdin.flush()
    code = p.wait(timeout=900)
    with open(out) as f:
        res = json.load(f)
    os.unlink(out)
    res["exit"] = code
    res["rss_before_mib"] = round(before / 1024, 1)
    res["rss_joined_mib"] = round(after / 1024, 1)
    res["rss_per_conn_kib"] = round((after - before) / (clients + slow + 1), 2)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plenumd")
    ap.add_argument("fanout_load")
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--slow", type=int, default=10)
    ap.add_argument("--json")
    args = ap.parse_args()
    os.environ["PLENUMD"] = os.path.abspath(args.plenumd)
    os.environ.setdefault("PL_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
    fanout = os.path.abspath(args.fanout_load)
    pg = PgCluster()
    d = peer = None
    results = {"machine": f"{platform.node()} {os.cpu_count()} cores", "date":
               time.strftime("%Y-%m-%d"), "clients": args.clients, "events": args.events}
    try:
        url = council_fixture.demo_db(pg, "fanout")
        d = Plenumd(url, extra_args=["--ws-rate-per-minute", "600000", "--ws-rate-burst",
                                     "10000", "--log-level", "warn"])
        sid = int(pg.psql("SELECT id FROM session", "fanout"))
        sitting = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "fanout"))
        token = d.login("chutich", "plenum-demo")

        async def prepare():
            c = await LiveClient.connect(d, token, name="chair")
            await c.ok("join", session_id=sid)
            await c.ok("session.open")
            await c.ok("sitting.open", sitting_id=sitting)
            await c.ok("agenda.next")
            ev = c.events[-1]
            await c.close()
            return len(json.dumps(ev, ensure_ascii=False).encode())

        event_bytes = asyncio.run(prepare())
        ws = f"ws://127.0.0.1:{d.port}/ws"
        results["event_bytes"] = event_bytes
        results["plenumd"] = load(fanout, d.proc.pid, ws, sid, token, args.clients,
                                  args.events, 0)
        results["plenumd_slow"] = load(fanout, d.proc.pid, ws, sid, token, args.clients,
                                       args.events, args.slow)
        port = free_port()
        peer = subprocess.Popen(["node", os.path.join(HERE, "peer_hub.mjs"), str(port),
                                 str(event_bytes)], stdout=subprocess.PIPE, text=True)
        assert peer.stdout.readline().strip() == "listening"
        pws = f"ws://127.0.0.1:{port}/ws"
        results["peer"] = load(fanout, peer.pid, pws, sid, None, args.clients, args.events, 0)
        results["peer_slow"] = load(fanout, peer.pid, pws, sid, None, args.clients,
                                    args.events, args.slow)
    finally:
        if peer:
            peer.kill()
        if d:
            d.stop()
            d.cleanup()
        pg.destroy()
    p, q = results["plenumd"], results["peer"]
    results["ratio_p99"] = round(q["p99_ms"] / p["p99_ms"], 2) if p["p99_ms"] else None
    results["ratio_rss_per_conn"] = (round(q["rss_per_conn_kib"] / p["rss_per_conn_kib"], 2)
                                     if p["rss_per_conn_kib"] > 0 else None)
    print(f"\nFan-out, {args.clients} observers, {args.events} state changes, "
          f"{results['event_bytes']}-byte events, {results['machine']}, {results['date']}\n")
    print("| server | connect+join /s | p50 ms | p99 ms | max ms | missing | RSS per conn KiB |")
    print("|---|---|---|---|---|---|---|")
    for name, key in (("plenumd", "plenumd"), (f"plenumd + {args.slow} slow", "plenumd_slow"),
                      ("Node ws peer", "peer"), (f"Node ws + {args.slow} slow", "peer_slow")):
        r = results[key]
        print(f"| {name} | {r['connects_per_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
              f"{r['max_ms']:.1f} | {r['missing']} | {r['rss_per_conn_kib']:.1f} |")
    print(f"\npeer/plenumd: p99 {results['ratio_p99']}x, RSS per connection "
          f"{results['ratio_rss_per_conn']}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
