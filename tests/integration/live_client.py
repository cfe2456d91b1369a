"""An asyncio plenum.v1 client for tests: requests with ids and their
replies, and every event received, in order."""

import asyncio
import json
import time

import websockets


class LiveClient:
    def __init__(self, ws, name):
        self.ws = ws
        self.name = name
        self.events = []          # every event received, in order
        self.notices = []         # unsequenced notices (vote progress)
        self.statuses = []        # the server's status messages (database state)
        self.other = []           # any other unsolicited message (rtc.*)
        self.on_other = None      # called with each of those, if set
        self.replies = {}         # id -> future
        self.next_id = 0
        self.closed = None        # the ConnectionClosed, once closed
        self.reader = asyncio.get_event_loop().create_task(self._read())

    @classmethod
    async def connect(cls, d, token=None, name="client", query=""):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        ws = await websockets.connect(d.ws_url(query), subprotocols=["plenum.v1"],
                                      extra_headers=headers, max_size=2**24)
        return cls(ws, name)

    async def _read(self):
        try:
            async for text in self.ws:
                msg = json.loads(text)
                if msg.get("type") == "event":
                    msg["_rx_ms"] = time.time() * 1000  # for delivery latency
                    self.events.append(msg)
                elif msg.get("type") == "status":
                    self.statuses.append(msg)
                elif msg.get("type") == "notice":
                    self.notices.append(msg)
                elif "re" not in msg:
                    self.other.append(msg)
                    if self.on_other:
                        self.on_other(msg)
                elif "re" in msg and msg["re"] in self.replies:
                    self.replies.pop(msg["re"]).set_result(msg)
        except websockets.ConnectionClosed as e:
            self.closed = e
        for f in self.replies.values():
            if not f.done():
                f.set_exception(ConnectionError("closed"))

    async def ask(self, type_, **fields):
        self.next_id += 1
        rid = self.next_id
        fut = asyncio.get_event_loop().create_future()
        self.replies[rid] = fut
        try:
            await self.ws.send(json.dumps(dict(type=type_, id=rid, **fields)))
        except BaseException:
            self.replies.pop(rid, None)  # nobody will wait for it
            raise
        return await asyncio.wait_for(fut, 20)

    async def ok(self, type_, **fields):
        r = await self.ask(type_, **fields)
        if r.get("type") not in ("ok", "pong"):
            raise AssertionError(f"{self.name}: {type_} {fields} refused: {r}")
        return r.get("data")

    async def wait_seq(self, seq, timeout=10):
        """Waits until an event with this seq has arrived."""
        for _ in range(int(timeout / 0.02)):
            if self.events and self.events[-1]["seq"] >= seq:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{self.name}: no event {seq}; last "
                             f"{self.events[-1]['seq'] if self.events else None}")

    def seqs(self):
        return [e["seq"] for e in self.events]

    def names(self):
        return [e["name"] for e in self.events]

    async def close(self):
        await self.ws.close()
        await self.reader


# Limits for tests that send bursts (the limits themselves are tested in
# test_auth.py).
FAST_LIMITS = ["--ws-rate-per-minute", "600000", "--ws-rate-burst", "10000",
               "--max-connections-per-account", "50"]


def run(coro, timeout=240):
    """Runs a test coroutine with an overall time limit."""
    return asyncio.run(asyncio.wait_for(coro, timeout))
