"""Remote participants benchmark (issue 8), on loopback with a Release
plenumd and Release tests/rtc/rtc_peer processes (GStreamer webrtcbin):

  1. mouth-to-ear latency: delegate A holds the floor and sends a 10 ms
     click every second (rtc_peer --clicks, its wall clock at the click);
     delegate B receives the program and reports when its level meter first
     hears the click (rtc_peer's "heard", 20 ms level interval). Latency =
     heard - sent, same machine clock: A's encode and send, plenumd's jitter
     buffer, decode, mix, the shared Opus encode, B's jitter buffer and
     decode. Goal: under 400 ms.
  2. CPU: plenumd's CPU seconds per second (utime + stime of its process)
     with the room open and N participants connected, audio only and
     audio + video 480p (640x480 at 15 fps VP8 in, the program back as
     640x360 VP8 + Opus). The peers' own CPU is not counted, but they run on
     the same two cores.

Usage: rtc_bench.py PLENUMD RTC_PEER [--seconds 20] [--json OUT]
"""

import argparse
import asyncio
import json
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import council_fixture  # noqa: E402
import test_rtc  # noqa: E402
from live_client import FAST_LIMITS, LiveClient  # noqa: E402
from plenum_testlib import PgCluster, Plenumd  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


async def main(args):
    pg = PgCluster()
    d = None
    try:
        url = council_fixture.demo_db(pg, "rtcbench")
        d = Plenumd(url, extra_args=FAST_LIMITS + ["--rtc-timeout", "30",
                                                   "--rtc-latency-ms", str(args.latency_ms)])
        sid = int(pg.psql("SELECT id FROM session", "rtcbench"))
        sit = int(pg.psql("SELECT id FROM sitting ORDER BY ordinal LIMIT 1", "rtcbench"))
        logins = [f"daibieu{n:02d}" for n in range(3, 8)]
        tokens = {l: d.login(l, "plenum-demo") for l in ["chutich"] + logins}
        chair = await LiveClient.connect(d, tokens["chutich"], name="chair")
        await chair.ok("join", session_id=sid)
        await chair.ok("session.open")
        await chair.ok("sitting.open", sitting_id=sit)
        await chair.ok("agenda.next")
        results = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(),
                   "cores": os.cpu_count(), "seconds": args.seconds,
                   "rtc_latency_ms": args.latency_ms}

        # 1. Latency.
        a = await test_rtc.Remote.start(d, tokens[logins[0]], sid, "A",
                                        args=os.environ.get("PL_A_ARGS",
                                                            "--audio-only --clicks").split())
        b = await test_rtc.Remote.start(d, tokens[logins[1]], sid, "B",
                                        args=["--audio-only", "--silent"])
        await a.wait_state("connected")
        await b.wait_state("connected")
        # Only a delegate present may ask for the floor (issue 22's rule).
        await a.c.ok("attendance.check_in")
        await a.c.ok("speaker.request", kind="speech")
        await chair.ok("speaker.grant")
        await a.wait_state("connected", on_air=True)
        await asyncio.sleep(2)
        a.lines.clear()
        b.lines.clear()
        await asyncio.sleep(args.seconds)
        sent = [m["sent_ms"] for m in a.lines if m["type"] == "click"]
        if os.environ.get("PL_DEBUG"):
            print("B stats", [m for m in b.lines if m["type"] == "stats"][-3:],
                  "A stats", [m for m in a.lines if m["type"] == "stats"][-2:],
                  (await chair.ok("rtc.status")))
        heard = [m["at_ms"] for m in b.lines if m["type"] == "heard"]
        lat = []
        for h in heard:
            before = [s for s in sent if s <= h]
            if before and h - before[-1] < 1000:
                lat.append(h - before[-1])
        results["latency_ms"] = {"clicks": len(sent), "heard": len(lat),
                                 "p50": pct(lat, 50) if lat else None,
                                 "p99": pct(lat, 99) if lat else None,
                                 "max": max(lat) if lat else None}
        print(f"mouth-to-ear: {len(lat)} of {len(sent)} clicks heard; p50 "
              f"{results['latency_ms']['p50']} ms, p99 {results['latency_ms']['p99']} ms, "
              f"max {results['latency_ms']['max']} ms", flush=True)
        await chair.ok("speaker.end")
        await a.stop()
        await b.stop()

        # 2. CPU per participant.
        cpu = {}
        for label, peer_args, n in (("audio", ["--audio-only", "--silent"], 1),
                                    ("audio", ["--audio-only", "--silent"], 4),
                                    ("audio+video 480p", ["--silent"], 1),
                                    ("audio+video 480p", ["--silent"], 4)):
            peers = [await test_rtc.Remote.start(d, tokens[logins[i]], sid, f"p{i}",
                                                 args=peer_args) for i in range(n)]
            for p in peers:
                await p.wait_state("connected")
            await asyncio.sleep(3)  # settled
            c0, t0 = cpu_seconds(d.proc.pid), time.monotonic()
            await asyncio.sleep(args.seconds)
            per_s = (cpu_seconds(d.proc.pid) - c0) / (time.monotonic() - t0)
            cpu[f"{label} x{n}"] = round(per_s, 3)
            print(f"CPU, {label}, {n} participant(s): plenumd {per_s * 100:.1f} % of a core",
                  flush=True)
            for p in peers:
                await p.stop()
            await asyncio.sleep(1)
        results["cpu_core_fraction"] = cpu
        for label in ("audio", "audio+video 480p"):
            one, four = cpu[f"{label} x1"], cpu[f"{label} x4"]
            results.setdefault("cpu_per_extra_participant", {})[label] = round((four - one) / 3, 3)
        print(json.dumps(results, indent=2))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
        await chair.close()
    finally:
        if d:
            d.stop()
            d.cleanup()
        pg.destroy()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("plenumd")
    ap.add_argument("rtc_peer")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--json")
    args = ap.parse_args()
    os.environ["PLENUMD"] = os.path.abspath(args.plenumd)
    os.environ["PL_SOURCE_DIR"] = os.path.abspath(os.path.join(HERE, "..", ".."))
    test_rtc.PEER = os.path.abspath(args.rtc_peer)
    asyncio.run(main(args))
