"""Media benchmark (issue 7), on loopback, one phase after the other so the
phases do not share the CPU:

  1. pass-through: an SRT sender (gst-launch-1.0, x264 720p30, 2.5 Mbit/s,
     AAC) pushes to a Release plenumd recording a sitting; plenumd's CPU
     seconds per second of stream (its own process: hub, pipeline, segment
     registration);
  2. the same stream pushed to `ffmpeg -c copy -f hls` writing the same
     1-second HLS segments (recording + livestream in one set of files, as
     plenumd does); ffmpeg's CPU per second; the ratio plenumd / ffmpeg
     (goal <= 1.0). With --rounds N, phases 1 and 2 alternate N times
     (each plenumd round a sitting of its own) and the medians are
     reported: on a shared machine one round of each is noise. Before
     them, plenumd's CPU with no sitting open (the figure is the whole
     process's); during the first round, both processes' CPU and context
     switches per thread;
  3. encode path: plenumd recording the test source encoded once at
     720p30 (x264 veryfast zerolatency + AAC), CPU per second;
  4. latency: in the pass-through phase, from the moment a segment's first
     frame reached plenumd (its wall-clock start, from the record) to the
     moment the live playlist announced it; plus the segment length, this
     bounds what a player 3 segments behind the live edge sees;
  5. glass-to-glass: a sender whose picture is the wall clock
     (stamp_sender.py: 48 bits as blocks, x264 640x360@30 over SRT) pushes to
     plenumd, and the public page plays the livestream in Chromium
     (latency.mjs, hls.js as the page sets it up: LL-HLS parts with
     blocking reloads, PART-HOLD-BACK behind the edge): every 200 ms the
     frame on screen is read back and subtracted from the browser's clock;
     what the player fetched (parts, blocking reloads, whole segments) is
     printed with it, and how far the picture is behind the end of what the
     player buffered (the player's share of the latency);
  5b. the same with the page's plain-HLS fallback (no Media Source
     Extensions: Chromium's own HLS player), for the ratio;
  6. recovery: then the page's network is cut for 10 s and restored, and
     the time from its return to a frame within 1.5 s of the p50 above is
     measured (the player back at the live edge by itself).

The senders' own CPU is not counted. Usage:
  media_bench.py PLENUMD [--seconds 60] [--rounds 1] [--json OUT]
                 [--only-passthrough | --only-latency] [--perf OUT]
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import council_fixture  # noqa: E402
from live_client import LiveClient, run  # noqa: E402
from plenum_testlib import PgCluster, Plenumd, free_port  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def sender(port):
    return subprocess.Popen(
        ["gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "pattern=ball", "!",
         "video/x-raw,width=1280,height=720,framerate=30/1", "!", "x264enc",
         "tune=zerolatency", "speed-preset=ultrafast", "bitrate=2500", "key-int-max=30", "!",
         "h264parse", "config-interval=-1", "!", "mpegtsmux", "name=m", "alignment=7", "!",
         "srtsink", f"uri=srt://127.0.0.1:{port}?mode=caller", "audiotestsrc", "is-live=true",
         "!", "voaacenc", "!", "aacparse", "!", "m."],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(pid, seconds):
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def thread_cpu(pid):
    """{thread name: [CPU seconds, context switches]} so far, summed by
    name (GStreamer names its streaming threads after their element and
    pad). schedstat counts nanoseconds, where utime and stime count ticks
    (10 ms): a thread at 1 % gets one tick a second."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = re.sub(r"\d+", "N", f.read().strip())
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ns = int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                sw = sum(int(x) for x in re.findall(r"ctxt_switches:\s+(\d+)", f.read()))
        except OSError:
            continue  # the thread ended
        t = out.setdefault(name, [0.0, 0])
        t[0] += ns / 1e9
        t[1] += sw
    return out


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] + xs[(n - 1) // 2]) / 2 if xs else None


def ffmpeg_round(out, seconds):
    """Phase 2 once: the sender into `ffmpeg -c copy -f hls`; its CPU per
    second, measured once its playlist is there and 3 s more."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    port = free_port()
    ffmpeg = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", f"srt://:{port}?mode=listener",
         "-c", "copy", "-f", "hls", "-hls_time", "1", "-hls_list_size", "180",
         "-hls_segment_filename", os.path.join(out, "seg-%05d.ts"),
         os.path.join(out, "live.m3u8")], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    tx = None
    try:
        time.sleep(1)
        tx = sender(port)
        for _ in range(300):
            if os.path.exists(os.path.join(out, "live.m3u8")):
                break
            time.sleep(0.1)
        time.sleep(3)
        t0 = thread_cpu(ffmpeg.pid)
        cpu = measure(ffmpeg.pid, seconds)
        t1 = thread_cpu(ffmpeg.pid)
        threads = dict(sorted(((k, [(v[0] - t0.get(k, [0, 0])[0]) / seconds,
                                    (v[1] - t0.get(k, [0, 0])[1]) / seconds])
                               for k, v in t1.items()), key=lambda kv: -kv[1][0]))
        return cpu, threads
    finally:
        if tx:
            tx.terminate()
            tx.wait()
        ffmpeg.send_signal(signal.SIGINT)
        try:
            ffmpeg.wait(timeout=10)
        except subprocess.TimeoutExpired:
            ffmpeg.kill()
            ffmpeg.wait()


def passthrough(d, pg, db, session, sittings, port, data, a):
    """Phases 1, 2 and 4. First plenumd with no sitting open (its idle
    cost, part of the whole-process figure); then, for each sitting, one
    round: plenumd records it from the SRT sender, then ffmpeg takes the
    same stream. Alternating spreads the other load of a shared machine
    over both sides; the medians and the median of the rounds' ratios are
    the figures."""
    res = {"idle_cpu": measure(d.proc.pid, a.idle_seconds) if a.idle_seconds else None,
           "loadavg": " ".join(open("/proc/loadavg").read().split()[:3])}
    rounds = []
    for i, sitting in enumerate(sittings):
        open_sitting(d, pg, db, session, sitting)
        tx = sender(port)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    wait_segments(d, sitting, 5, timeout=5)
                    break
                except RuntimeError:
                    if time.monotonic() > deadline:
                        raise
                    if tx.poll() is not None:  # it came before the listener, and gave up
                        tx = sender(port)
            perf = None
            if a.perf and i == 0:
                perf = subprocess.Popen(["perf", "record", "-g", "-q", "-o", a.perf, "-p",
                                         str(d.proc.pid), "--", "sleep", str(a.seconds)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0 = thread_cpu(d.proc.pid) if i == 0 else None
            p = measure(d.proc.pid, a.seconds)
            if i == 0:
                t1 = thread_cpu(d.proc.pid)
                res["passthrough_threads"] = dict(sorted(
                    ((k, [(v[0] - t0.get(k, [0, 0])[0]) / a.seconds,
                          (v[1] - t0.get(k, [0, 0])[1]) / a.seconds]) for k, v in t1.items()
                     if v[0] > t0.get(k, [0, 0])[0]), key=lambda kv: -kv[1][0]))
                lat = sorted(announce_latency(d, pg, db, sitting, min(20, a.seconds)))
                res["announce_ms_p50"] = round(1000 * lat[len(lat) // 2]) if lat else None
                res["announce_ms_max"] = round(1000 * lat[-1]) if lat else None
            if perf:
                perf.wait()
        finally:
            tx.terminate()
            tx.wait()
        close_sitting(d, session)
        f, threads = ffmpeg_round(os.path.join(data, "ffmpeg"), a.seconds)
        if i == 0:
            res["ffmpeg_threads"] = threads
        rounds.append((p, f))
    res["passthrough_rounds"] = rounds
    res["passthrough_cpu"] = median([p for p, _ in rounds])
    res["ffmpeg_cpu"] = median([f for _, f in rounds])
    res["ratio"] = median([p / f for p, f in rounds if f])
    return res


def open_sitting(d, pg, db, session, sitting):
    async def go():
        c = await LiveClient.connect(d, d.login("chutich", "plenum-demo"), "chair")
        await c.ok("join", session_id=session)
        state = (await c.ok("join", session_id=session))["snapshot"]["state"]
        if state == "planned":
            await c.ok("session.open")
        await c.ok("sitting.open", sitting_id=sitting)
        await c.close()
    run(go())


def close_sitting(d, session):
    """Ends a phase: its pipelines (and a slate) stop taking CPU."""
    async def go():
        c = await LiveClient.connect(d, d.login("chutich", "plenum-demo"), "chair")
        await c.ok("join", session_id=session)
        await c.ok("sitting.close")
        await c.close()
    run(go())
    time.sleep(2)


def wait_segments(d, sitting, n, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st, _, body = d.http("GET", f"/media/{sitting}/live.m3u8")
        if st == 200 and body.decode().count("#EXTINF") >= n:
            return
        time.sleep(0.2)
    raise RuntimeError(f"no live playlist for sitting {sitting}\n{d.log()[-2000:]}")


def announce_latency(d, pg, db, sitting, seconds):
    """Polls the live playlist every 50 ms; for each new segment, the time
    from its first frame's arrival (recorded start) to its announcement."""
    names = lambda: re.findall(r"^(seg-\S+\.ts)$",
                               d.http("GET", f"/media/{sitting}/live.m3u8")[2].decode(), re.M)
    seen, lat = set(names()), []  # already listed: not timed
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        listed = names()
        now = time.time()
        for name in listed:
            if name not in seen:
                seen.add(name)
                lat.append((name, now))
        time.sleep(0.05)
    out = []
    for name, at in lat:
        started = pg.psql(f"SELECT extract(epoch FROM started_at) + duration_ms / 1000.0 "
                          f"FROM media_segment WHERE file = '{name}'", db)
        if started:
            out.append(at - float(started))
    return out


def glass_to_glass(d, pg, db, council, seconds):
    """Phases 5 and 6: the stamp sender over SRT, the public page in
    Chromium (latency.mjs): glass-to-glass, then recovery from a 10 s cut."""
    p_g2g = free_port()
    g_session = int(pg.psql(f"INSERT INTO session (council_id, number, title, media_source) "
                            f"VALUES ({council}, 9, 'Bench latency', 'srt://:{p_g2g}') "
                            f"RETURNING id", db))
    g_sitting = int(pg.psql(f"INSERT INTO sitting (session_id, ordinal, title) VALUES "
                            f"({g_session}, 1, 'Stamp') RETURNING id", db))
    open_sitting(d, pg, db, g_session, g_sitting)
    # 640x360: painting 720p frames in Python would take the CPU the
    # server and the browser need on a small machine.
    tx = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "stamp_sender.py"),
                           str(p_g2g), "640x360@30"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    res = {}
    try:
        wait_segments(d, g_sitting, 5)
        # The page as citizens get it (hls.js, LL-HLS), then the plain-HLS
        # fallback (Chromium's own player, no Media Source Extensions) on
        # the same stream, for the ratio.
        for key, mode in (("glass_to_glass_ms", []), ("glass_to_glass_native_ms", ["native"])):
            out = subprocess.run(["node", os.path.join(HERE, "latency.mjs"),
                                  f"http://127.0.0.1:{d.port}", str(g_session),
                                  str(min(30, seconds))] + mode, check=True,
                                 stdout=subprocess.PIPE, text=True, timeout=300).stdout
            res[key] = json.loads(out.strip().splitlines()[-1])
    finally:
        tx.terminate()
        tx.wait()
    return res


def report(res, a):
    pct = lambda x: f"{100 * x:.1f} %" if x is not None else "—"
    if "passthrough_rounds" in res:
        print(f"idle plenumd (no sitting open): {pct(res.get('idle_cpu'))}; "
              f"load average {res.get('loadavg')}")
        for i, (p, f) in enumerate(res["passthrough_rounds"]):
            print(f"round {i + 1}: plenumd {pct(p)}, ffmpeg {pct(f)}, ratio {p / f:.2f}×")
        print("plenumd's threads in the first round (% of one core, context switches/s):",
              ", ".join(f"{k} {100 * c:.2f} % {w:.0f}/s"
                        for k, (c, w) in res["passthrough_threads"].items()))
        print("ffmpeg's threads in the first round:",
              ", ".join(f"{k} {100 * c:.2f} % {w:.0f}/s"
                        for k, (c, w) in res["ffmpeg_threads"].items()))
    g = res.get("glass_to_glass_ms") or {"p50": None, "p95": None, "n": 0}
    print("| date | pass-through CPU (plenumd) | ffmpeg -c copy CPU | ratio | encode 720p30 CPU "
          "| segment announced after (p50 / max) | glass-to-glass (p50 / p95, n) "
          "| back at the live edge after a 10 s cut |")
    print("|---|---|---|---|---|---|---|---|")
    ratio = f"{res['ratio']:.2f}×" if res.get("ratio") else "—"
    print(f"| {res['date']} | {pct(res.get('passthrough_cpu'))} | {pct(res.get('ffmpeg_cpu'))} | "
          f"{ratio} | {pct(res.get('encode_cpu'))} | {res.get('announce_ms_p50')} ms / "
          f"{res.get('announce_ms_max')} ms | {g['p50']} ms / {g['p95']} ms, {g['n']} | "
          f"{g.get('recovery_ms')} ms |")
    if g.get("fetched"):
        f = g["fetched"]
        print(f"player: {f['parts']} LL-HLS parts, {f['blocking_reloads']} blocking playlist "
              f"reloads, {f['segments']} whole segments; picture {g.get('buffered_ahead_ms')} ms "
              f"behind the end of its buffer (p50)")
    n = res.get("glass_to_glass_native_ms")
    if n:
        print(f"plain-HLS fallback (Chromium's own player): glass to glass {n['p50']} ms / "
              f"{n['p95']} ms, {n['n']}; LL-HLS / fallback p50 = {g['p50'] / n['p50']:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plenumd")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--json")
    ap.add_argument("--only-latency", action="store_true",
                    help="phases 5 and 6 alone (glass-to-glass and recovery)")
    ap.add_argument("--only-passthrough", action="store_true",
                    help="phases 1, 2 and 4 alone (pass-through against ffmpeg)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="phases 1 and 2 alternately this many times; the medians are reported")
    ap.add_argument("--idle-seconds", type=int, default=10,
                    help="plenumd's CPU with no sitting open, measured first")
    ap.add_argument("--perf", metavar="OUT",
                    help="perf record -g plenumd during the first pass-through round into OUT")
    a = ap.parse_args()
    os.environ["PLENUMD"] = os.path.abspath(a.plenumd)
    os.environ.setdefault("PL_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
    if not shutil.which("ffmpeg") and not a.only_latency:
        sys.exit("media_bench: ffmpeg is needed for the comparison (deploy/deps.sh bench)")
    pg = PgCluster(durable=True)
    data = tempfile.mkdtemp(prefix="plbench-media-")
    d = None
    res = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(),
           "machine": platform.processor() or platform.machine(), "seconds": a.seconds}
    try:
        db = "media"
        council_fixture.demo_db(pg, db)
        p_plenum = free_port()
        council = pg.psql("SELECT id FROM council", db)
        pt_session = int(pg.psql(f"INSERT INTO session (council_id, number, title, media_source) "
                                 f"VALUES ({council}, 7, 'Bench SRT', 'srt://:{p_plenum}') "
                                 f"RETURNING id", db))
        pt_sittings = [int(pg.psql(f"INSERT INTO sitting (session_id, ordinal, title) VALUES "
                                   f"({pt_session}, {i + 1}, 'SRT {i + 1}') RETURNING id", db))
                       for i in range(a.rounds)]
        enc_session = int(pg.psql(f"INSERT INTO session (council_id, number, title, media_source) "
                                  f"VALUES ({council}, 8, 'Bench encode', 'test') RETURNING id", db))
        enc_sitting = int(pg.psql(f"INSERT INTO sitting (session_id, ordinal, title) VALUES "
                                  f"({enc_session}, 1, 'Test') RETURNING id", db))
        d = Plenumd(pg.url(db), extra_args=["--media-source", "test", "--media-video",
                                            "1280x720@30", "--media-bitrate", "2500",
                                            "--data-dir", data])

        if a.only_latency:
            res.update(glass_to_glass(d, pg, db, council, a.seconds))
            return report(res, a)

        # 1 and 2, alternately, --rounds times (each round a sitting of its own)
        res.update(passthrough(d, pg, db, pt_session, pt_sittings, p_plenum, data, a))
        if a.only_passthrough:
            return report(res, a)

        # 3. encode path, 720p30
        open_sitting(d, pg, db, enc_session, enc_sitting)
        wait_segments(d, enc_sitting, 5)
        res["encode_cpu"] = measure(d.proc.pid, min(30, a.seconds))
        health = json.loads(d.http("GET", "/healthz")[2])["media"]["streams"]
        enc = [x for x in health if x["sitting_id"] == enc_sitting][0]
        res["encode_dropped_frames"] = enc["dropped_frames"]
        res["encode_kbps"] = enc["bitrate_kbps"]
        close_sitting(d, enc_session)

        res.update(glass_to_glass(d, pg, db, council, a.seconds))
    finally:
        if d:
            d.stop()
            d.cleanup()
        pg.destroy()
        shutil.rmtree(data, ignore_errors=True)

    report(res, a)


if __name__ == "__main__":
    main()
