"""Fan-out benchmark (issues 10 and 24): N observers on real WebSockets, one
publisher 20 times 200 ms apart; how long each message takes to reach every
observer (p50/p99/max), how fast N clients connect and join, and the
server's resident memory per idle connection. In one invocation, at each N
of --clients, in this order:

- the loopback floor (tests/bench/loopback_floor.c): one send() of the same
  number of bytes to each of N loopback TCP sockets, one recv() each on the
  other side: what the kernel alone costs, the bound every server meets;
- a Release plenumd: observers joined to the demo session, the chair
  stepping the agenda (the figure includes plenumd's PostgreSQL commit);
- the peer a team would otherwise write: a broadcast hub on Node's `ws`
  (tests/bench/peer_hub.mjs);
- the broker users would pick for pub/sub: Debian's mosquitto, MQTT 3.1.1
  QoS 0 over WebSockets (subprotocol "mqtt"), one topic, a payload of the
  size of plenumd's event (no durable commit on its path);

each server also with --slow observers that stop reading after joining.
Every server is driven by the same load generator, tests/bench/fanout_load.c.
Above 20,000 connections the clients bind several source addresses
(127.0.0.1, .2, ...): one (source, destination) pair has only the
ephemeral port range, about 28,000 ports.

Usage: fanout_bench.py PLENUMD FANOUT_LOAD [--floor LOOPBACK_FLOOR]
       [--clients 10000,30000] [--events 20] [--slow 10] [--json OUT]
Prints a Markdown table per N with the ratios to the floor and to plenumd;
writes the figures as JSON with --json.
"""

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import council_fixture  # noqa: E402
from live_client import LiveClient  # noqa: E402
from plenum_testlib import PgCluster, Plenumd, free_port  # noqa: E402

PER_SOURCE = 20000  # connections per source address (the port range is ~28,000)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def raise_nofile(need):
    """Every process started from here inherits this limit: each connection
    is a descriptor in the client and one in the server. Raising the hard
    limit needs CAP_SYS_RESOURCE (root outside a restricted container).
    Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))  # root only
            return need
        except (ValueError, OSError):
            pass
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def load(fanout, pid, url, clients, events, slow, sid=0, token=None, mqtt_bytes=None):
    """Runs fanout_load; returns its figures plus the server's RSS per idle
    connection (measured while all are joined and before the steps)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    time.sleep(2)  # let the server see the previous run's clients go
    before = rss_kib(pid)
    nconn = clients + slow + 1
    opts = ["--sources", str(1 + (nconn - 1) // PER_SOURCE)]
    if mqtt_bytes:
        opts += ["--bytes", str(mqtt_bytes)]
    p = subprocess.Popen([fanout] + opts + [out, str(sid), token or "-", str(clients),
                                            str(events), str(slow), url],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
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
    res["rss_per_conn_kib"] = round((after - before) / nconn, 2)
    return res


def floor(path, clients, event_bytes, events):
    """The kernel's floor at the same N, size and pace (one sender thread)."""
    out = subprocess.run([path, str(clients), str(event_bytes), str(events)], check=True,
                         stdout=subprocess.PIPE, text=True, timeout=900).stdout
    last = out.strip().splitlines()[-1]
    m = re.search(r"median ([\d.]+) ms, worst ([\d.]+) ms; per delivery p50 ([\d.]+) ms, "
                  r"p99 ([\d.]+) ms, max ([\d.]+) ms", last)
    if not m:
        raise RuntimeError(f"loopback_floor printed {last!r}")
    v = [float(x) for x in m.groups()]
    return {"round_median_ms": v[0], "round_worst_ms": v[1], "p50_ms": v[2], "p99_ms": v[3],
            "max_ms": v[4], "missing": 0}


class Mosquitto:
    """Debian's mosquitto as a plain process with its own config in a temp
    dir (not the system service), WebSockets listener on a free port."""

    def __init__(self):
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.dir = tempfile.mkdtemp(prefix="plbench-mosquitto-")
        self.port = free_port()
        self.tcp_port = free_port()
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            # A plain MQTT listener too (the second peer row; 2.0.11 also
            # exits, "Unable to start any listening sockets", when its only
            # listener is a WebSocket one).
            f.write(f"listener {self.tcp_port} 127.0.0.1\n"
                    f"listener {self.port}\nprotocol websockets\n"
                    "allow_anonymous true\npersistence false\nset_tcp_nodelay true\n"
                    "max_connections -1\nlog_dest stderr\nlog_type error\nlog_type warning\n"
                    "websockets_log_level 0\n"
                    # By default mosquitto 2.0.11 remembers, per message,
                    # every client it went to and compares each new one with
                    # all of them (strcmp: half its time at 10,000 and a p99
                    # of 5 s). Its manual suggests this for many clients on
                    # the same topics; with one subscription per client it
                    # changes nothing delivered.
                    "allow_duplicate_messages true\n")
        self.log = open(os.path.join(self.dir, "mosquitto.log"), "w+")
        self.proc = subprocess.Popen([exe, "-c", conf], stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.log.seek(0)
                    raise RuntimeError(f"mosquitto did not listen:\n{self.log.read()}")
                time.sleep(0.1)
        self.version = subprocess.run([exe, "-h"], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True).stdout.splitlines()[0]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def report(n, r, args):
    """Prints one N's table and adds its ratios to r."""
    fl = r["floor"]

    def p99(key):
        return r[key].get("p99_ms")

    def rss(key):
        return r[key].get("rss_per_conn_kib")

    r["ratios"] = q = {
        "plenumd_floor_p99": ratio(p99("plenumd"), fl["p99_ms"]),
        "mosquitto_floor_p99": ratio(p99("mosquitto"), fl["p99_ms"]),
        "mosquitto_tcp_floor_p99": ratio(p99("mosquitto_tcp"), fl["p99_ms"]),
        "node_floor_p99": ratio(p99("node"), fl["p99_ms"]),
        "mosquitto_plenumd_p99": ratio(p99("mosquitto"), p99("plenumd")),
        "node_plenumd_p99": ratio(p99("node"), p99("plenumd")),
        "mosquitto_plenumd_rss": ratio(rss("mosquitto"), rss("plenumd")),
        "node_plenumd_rss": ratio(rss("node"), rss("plenumd")),
    }
    print(f"\nFan-out, {n} observers, {args.events} messages 200 ms apart, "
          f"{r['event_bytes']}-byte payloads; load average {r['load_before']} before, "
          f"{r['load_after']} after\n")
    print("| server | connect+join /s | p50 ms | p99 ms | max ms | missed | RSS per conn KiB "
          "| p99 / floor p99 |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| loopback floor (kernel only) | — | {fl['p50_ms']:.1f} | {fl['p99_ms']:.1f} | "
          f"{fl['max_ms']:.1f} | 0 | — | 1.00 |")
    rows = (("plenumd", "plenumd"), (f"plenumd + {args.slow} slow", "plenumd_slow"),
            ("Node ws peer", "node"), (f"Node ws + {args.slow} slow", "node_slow"),
            ("mosquitto (MQTT/WebSocket, QoS 0)", "mosquitto"),
            (f"mosquitto + {args.slow} slow", "mosquitto_slow"),
            ("mosquitto (MQTT over TCP, QoS 0)", "mosquitto_tcp"))
    for name, key in rows:
        x = r[key]
        if "failed" in x:
            print(f"| {name} | failed: {x['failed']} | | | | | | |")
            continue
        kib = "—" if x["rss_per_conn_kib"] is None else f"{x['rss_per_conn_kib']:.1f}"
        print(f"| {name} | {x['connects_per_s']:.0f} | {x['p50_ms']:.1f} | {x['p99_ms']:.1f} | "
              f"{x['max_ms']:.1f} | {x['missing']} | {kib} | {ratio(x['p99_ms'], fl['p99_ms'])} |")
    print(f"\np99 / floor p99: plenumd {q['plenumd_floor_p99']}x, mosquitto "
          f"{q['mosquitto_floor_p99']}x (over TCP {q['mosquitto_tcp_floor_p99']}x), Node "
          f"{q['node_floor_p99']}x (goal for plenumd: <= 1.1x). Peer / plenumd: mosquitto p99 "
          f"{q['mosquitto_plenumd_p99']}x, RSS per connection {q['mosquitto_plenumd_rss']}x; "
          f"Node p99 {q['node_plenumd_p99']}x, RSS {q['node_plenumd_rss']}x. Floor rounds "
          f"(first send to last receipt): median {fl['round_median_ms']:.1f} ms, worst "
          f"{fl['round_worst_ms']:.1f} ms.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plenumd")
    ap.add_argument("fanout_load")
    ap.add_argument("--floor", help="loopback_floor (default: beside fanout_load)")
    ap.add_argument("--clients", default="10000,30000",
                    help="observer counts, comma-separated (10000,30000)")
    ap.add_argument("--events", type=int, default=20)
    ap.add_argument("--slow", type=int, default=10)
    ap.add_argument("--json")
    args = ap.parse_args()
    counts = [int(x) for x in args.clients.split(",") if x.strip()]
    os.environ["PLENUMD"] = os.path.abspath(args.plenumd)
    os.environ.setdefault("PL_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
    fanout = os.path.abspath(args.fanout_load)
    floor_exe = os.path.abspath(args.floor or os.path.join(os.path.dirname(fanout),
                                                           "loopback_floor"))
    most = max(counts) + args.slow + 1
    limit = raise_nofile(2 * most + 4096)
    # A server holds one descriptor per connection plus its own (plenumd:
    # PostgreSQL, files; it reserves 1,024): an N that does not fit is
    # skipped and said so, not measured half-connected.
    fits = [n for n in counts
            if limit == resource.RLIM_INFINITY or n + args.slow + 1 + 1024 <= limit]
    for n in counts:
        if n not in fits:
            print(f"fanout_bench: {n} observers skipped: they need {n + args.slow + 1 + 1024} "
                  f"descriptors per process and the open-files hard limit is {limit} (raising "
                  "it needs root with CAP_SYS_RESOURCE: ulimit -Hn)", file=sys.stderr)
    if not fits:
        sys.exit(1)
    most = max(fits) + args.slow + 1
    pg = PgCluster()
    d = node = mosq = None
    token = None
    results = {"machine": f"{platform.node()} {os.cpu_count()} cores",
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "events": args.events, "slow": args.slow, "runs": {}}
    # The joins of 18,000 observers can take longer than plenumd's idle
    # timeout (75 s), and the first to join (the chair among them) then sit
    # idle past it and are hung up: the bench measures fan-out, not that.
    plenumd_args = ["--ws-rate-per-minute", "600000", "--ws-rate-burst", "10000",
                    "--log-level", "warn", "--max-connections", str(most + 100),
                    "--ws-ping-interval", "600", "--ws-idle-timeout", "1200"]
    try:
        url = council_fixture.demo_db(pg, "fanout")
        d = Plenumd(url, extra_args=plenumd_args)
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
        results["event_bytes"] = event_bytes
        for n in counts:
            if n not in fits:
                results["runs"][str(n)] = {"skipped": f"open-files hard limit {limit}"}
                continue
            # Fresh servers for each N, so that the RSS per connection of
            # each server's first run is not lowered by a heap the runs
            # before left behind (the later runs on the same process print
            # none).
            if d is None:
                d = Plenumd(url, extra_args=plenumd_args)
                token = d.login("chutich", "plenum-demo")
            port = free_port()
            node = subprocess.Popen(["node", os.path.join(HERE, "peer_hub.mjs"), str(port),
                                     str(event_bytes)], stdout=subprocess.PIPE, text=True)
            assert node.stdout.readline().strip() == "listening"
            mosq = Mosquitto()
            results["mosquitto"] = mosq.version
            ws = f"ws://127.0.0.1:{d.port}/ws"
            nws = f"ws://127.0.0.1:{port}/ws"
            mws = f"mqtt-ws://127.0.0.1:{mosq.port}/mqtt"
            mtcp = f"mqtt://127.0.0.1:{mosq.tcp_port}"
            r = {"event_bytes": event_bytes, "load_before": loadavg()}
            r["floor"] = floor(floor_exe, n, event_bytes, args.events)
            runs = (("plenumd", d.proc.pid, ws, 0, None), ("plenumd_slow", d.proc.pid, ws,
                                                          args.slow, None),
                    ("node", node.pid, nws, 0, None), ("node_slow", node.pid, nws, args.slow,
                                                       None),
                    ("mosquitto", mosq.proc.pid, mws, 0, event_bytes),
                    ("mosquitto_slow", mosq.proc.pid, mws, args.slow, event_bytes),
                    ("mosquitto_tcp", mosq.proc.pid, mtcp, 0, event_bytes))
            for key, pid, target, slow, mqtt_bytes in runs:
                try:
                    r[key] = load(fanout, pid, target, n, args.events, slow, sid,
                                  token if key.startswith("plenumd") else None, mqtt_bytes)
                except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as e:
                    print(f"fanout_bench: {key} at {n}: {e}", file=sys.stderr)
                    r[key] = {"failed": str(e)}
                if not key.endswith(("_slow", "_tcp")) and "failed" not in r[key]:
                    continue
                r[key]["rss_per_conn_kib"] = None  # not the process's first run
            r["load_after"] = loadavg()
            results["runs"][str(n)] = r
            report(n, r, args)
            sys.stdout.flush()
            if args.json:  # after each N: a long run cut short keeps what it measured
                with open(args.json, "w") as f:
                    json.dump(results, f, indent=1)
            mosq.stop()
            mosq = None
            node.kill()
            node.wait()
            node = None
            d.stop()
            d.cleanup()
            d = None
    finally:
        if mosq:
            mosq.stop()
        if node:
            node.kill()
            node.wait()
        if d:
            d.stop()
            d.cleanup()
        pg.destroy()
    print(f"\n{results['machine']}, {results['date']}, {results['mosquitto']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
