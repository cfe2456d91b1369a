"""An IP camera on loopback, for the media tests: GStreamer's RTSP server
offering H.264 video (High profile, 320x240) and G.711 A-law sound at
rtsp://127.0.0.1:PORT/cam, as cameras do. Runs until killed.

Usage: rtsp_camera.py PORT"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[1])
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,"
        "framerate=15/1 ! x264enc tune=zerolatency key-int-max=15 bitrate=300 ! "
        "video/x-h264,profile=high ! rtph264pay name=pay0 pt=96 config-interval=-1 "
        "audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 ! alawenc ! "
        "rtppcmapay name=pay1 pt=8 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        sys.exit("cannot listen")
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
