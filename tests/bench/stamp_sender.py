"""A camera whose picture is the time: each frame shows the wall clock (ms
since the epoch, 48 bits) as an 8x6 grid of black and white blocks, big
enough to survive compression, and is encoded and pushed like a hall
encoder does (x264 zero-latency, MPEG-TS, SRT). A player that reads the
blocks of the frame on screen and subtracts them from its own clock gets
the glass-to-glass latency (same machine, same clock).

Usage: stamp_sender.py SRT_PORT [WIDTHxHEIGHT@FPS] (1280x720@30)"""

import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

COLS, ROWS = 8, 6


def frame(ms, w, h):
    """A GRAY8 picture of the 48 bits of ms, bit 0 at the top left."""
    bw, bh = w // COLS, h // ROWS
    out = []
    for r in range(ROWS):
        row = b"".join((b"\xeb" if ms >> (r * COLS + c) & 1 else b"\x10") * bw
                       for c in range(COLS))
        row += b"\x10" * (w - len(row))
        out.append(row * bh)
    out.append(b"\x10" * (w * (h - bh * ROWS)))
    return b"".join(out)


def main():
    port = int(sys.argv[1])
    size, fps = (sys.argv[2] if len(sys.argv) > 2 else "1280x720@30").split("@")
    w, h = (int(x) for x in size.split("x"))
    fps = int(fps)
    Gst.init(None)
    p = Gst.parse_launch(
        f"appsrc name=cam is-live=true do-timestamp=true format=time "
        f"caps=video/x-raw,format=GRAY8,width={w},height={h},framerate={fps}/1 ! "
        f"videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=2500 "
        f"key-int-max={fps} ! h264parse config-interval=-1 ! mpegtsmux name=m alignment=7 ! "
        f"srtsink uri=srt://127.0.0.1:{port}?mode=caller latency=120 "
        f"audiotestsrc is-live=true ! voaacenc ! aacparse ! m.")
    cam = p.get_by_name("cam")
    p.set_state(Gst.State.PLAYING)

    def push():
        n, t0 = 0, time.monotonic()
        while True:
            # The stamp is taken the moment the frame leaves the "sensor".
            data = frame(int(time.time() * 1000), w, h)
            if cam.emit("push-buffer", Gst.Buffer.new_wrapped(data)) != Gst.FlowReturn.OK:
                break
            n += 1
            time.sleep(max(0, t0 + n / fps - time.monotonic()))

    threading.Thread(target=push, daemon=True).start()
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
