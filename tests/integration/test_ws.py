"""The /ws endpoint with a real WebSocket client (python3-websockets):
subprotocol negotiation, ping/pong, every malformed input answered with a
stable error code, limits, and graceful close on shutdown."""

import asyncio
import json
import unittest

import websockets

from plenum_testlib import PgCluster, Plenumd

pg = None
d = None


def setUpModule():
    global pg, d
    pg = PgCluster()
    # Protocol tests send bursts; the rate limit has its own tests (test_auth).
    d = Plenumd(pg.create_db("ws"), extra_args=["--ws-rate-per-minute", "600000",
                                                "--ws-rate-burst", "10000"])


def tearDownModule():
    try:
        d.finish()
    finally:
        pg.destroy()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


async def connect(query="", **kw):
    return await websockets.connect(d.ws_url(query), subprotocols=["plenum.v1"],
                                    max_size=2**22, **kw)


async def ask(ws, msg):
    await ws.send(msg if isinstance(msg, (str, bytes)) else json.dumps(msg))
    return json.loads(await ws.recv())


class WsTest(unittest.TestCase):
    def test_ping_pong(self):
        async def go():
            ws = await connect()
            self.assertEqual(ws.subprotocol, "plenum.v1")
            self.assertEqual(await ask(ws, {"type": "ping", "id": 1}), {"type": "pong", "re": 1})
            self.assertEqual(await ask(ws, {"type": "ping", "id": "a-7"}),
                             {"type": "pong", "re": "a-7"})
            await ws.close()
        run(go())

    def test_replies_in_order_for_a_burst(self):
        async def go():
            ws = await connect()
            for i in range(500):
                await ws.send(json.dumps({"type": "ping", "id": i}))
            got = [json.loads(await ws.recv())["re"] for _ in range(500)]
            self.assertEqual(got, list(range(500)))
            await ws.close()
        run(go())

    def test_fragmented_message(self):
        async def go():
            ws = await connect()
            await ws.send(iter(['{"type":', '"ping",', '"id":5}']))
            self.assertEqual(json.loads(await ws.recv()), {"type": "pong", "re": 5})
            await ws.close()
        run(go())

    def test_bad_input_gets_stable_codes(self):
        cases = [
            ("not json", "bad_json", None, None),
            ("[1]", "not_object", None, None),
            ('{"id": 3}', "missing_field", "type", 3),
            ('{"type": "ping"}', "missing_field", "id", None),
            ('{"type": "ping", "id": -4}', "bad_field", "id", None),
            ('{"type": "ping", "id": 1.5}', "bad_field", "id", None),
            ('{"type": "launch", "id": 6}', "unknown_type", None, 6),
            ('{"type": "ping", "id": 7, "x": 1}', "unknown_field", "x", 7),
            ('{"type": "ping", "id": 8, "id": 9}', "bad_json", None, None),
        ]

        async def go():
            ws = await connect()
            for text, code, field, re in cases:
                with self.subTest(text=text):
                    r = await ask(ws, text)
                    self.assertEqual(r["type"], "error")
                    self.assertEqual(r["code"], code)
                    self.assertEqual(r.get("field"), field)
                    self.assertEqual(r["re"], re)
                    self.assertIs(r["retryable"], False)
                    self.assertTrue(r["message"])
            # The connection survives all of it.
            self.assertEqual((await ask(ws, {"type": "ping", "id": 10}))["type"], "pong")
            await ws.close()
        run(go())

    def test_binary_frame_refused(self):
        async def go():
            ws = await connect()
            r = await ask(ws, b'{"type":"ping","id":1}')
            self.assertEqual(r["code"], "binary_not_supported")
            self.assertEqual((await ask(ws, {"type": "ping", "id": 2}))["type"], "pong")
            await ws.close()
        run(go())

    def test_languages(self):
        async def go():
            ws = await connect()
            r = await ask(ws, '{"type":"x","id":1}')
            self.assertEqual(r["message"], "Loại yêu cầu không được hỗ trợ.")
            await ws.close()
            ws = await connect("?lang=en")
            r = await ask(ws, '{"type":"x","id":1}')
            self.assertEqual(r["message"], "Unknown request type.")
            await ws.close()
            ws = await websockets.connect(d.ws_url(), subprotocols=["plenum.v1"],
                                          extra_headers={"Accept-Language": "en-GB,en;q=0.9"})
            r = await ask(ws, '{"type":"x","id":1}')
            self.assertEqual(r["message"], "Unknown request type.")
            await ws.close()
        run(go())

    def test_invalid_utf8_closes(self):
        async def go():
            ws = await connect()
            # Hand-built text frame with invalid UTF-8; lws validates text frames.
            await ws.ensure_open()
            ws.transport.write(bytes([0x81, 0x82, 0, 0, 0, 0, 0xC3, 0x28]))
            with self.assertRaises(websockets.ConnectionClosed) as cm:
                await ws.recv()
            self.assertEqual(cm.exception.code, 1007)
        run(go())

    def test_oversized_message_closes_1009(self):
        async def go():
            ws = await connect()
            big = '{"type":"ping","id":1,"pad":"' + "x" * (70 * 1024) + '"}'
            await ws.send(big)
            with self.assertRaises(websockets.ConnectionClosed) as cm:
                await ws.recv()
            self.assertEqual(cm.exception.code, 1009)
        run(go())

    def test_handshake_refusals(self):
        async def go():
            # No subprotocol, a wrong subprotocol, a wrong path: all refused.
            for url, protos in ((d.ws_url(), None), (d.ws_url(), ["chat"]),
                                (f"ws://127.0.0.1:{d.port}/other", ["plenum.v1"])):
                with self.subTest(url=url, protos=protos):
                    with self.assertRaises((websockets.InvalidHandshake, websockets.InvalidStatusCode,
                                            websockets.ConnectionClosed, OSError)):
                        ws = await websockets.connect(url, subprotocols=protos)
                        # Some refusals show only as an unnegotiated protocol.
                        if ws.subprotocol != "plenum.v1":
                            await ws.close()
                            raise websockets.InvalidHandshake("no plenum.v1")
                        await ws.close()
        run(go())
        self.assertEqual(d.health()[0], 200)

    def test_many_clients(self):
        async def go():
            conns = [await connect() for _ in range(100)]
            replies = await asyncio.gather(*(ask(ws, {"type": "ping", "id": i})
                                             for i, ws in enumerate(conns)))
            self.assertEqual([r["re"] for r in replies], list(range(100)))
            self.assertEqual(d.health()[1]["connections"]["websocket"], 100)
            await asyncio.gather(*(ws.close() for ws in conns))
        run(go())


class ShutdownTest(unittest.TestCase):
    def test_sigterm_closes_clients_with_1001(self):
        d2 = Plenumd(pg.create_db("ws_shutdown"))

        async def go():
            ws = await websockets.connect(d2.ws_url(), subprotocols=["plenum.v1"])
            self.assertEqual((await ask(ws, {"type": "ping", "id": 1}))["type"], "pong")
            import signal
            d2.proc.send_signal(signal.SIGTERM)
            with self.assertRaises(websockets.ConnectionClosed) as cm:
                await ws.recv()
            return cm.exception.code
        try:
            self.assertEqual(run(go()), 1001)
            self.assertEqual(d2.proc.wait(20), 0)
            self.assertIn("plenumd stopped", d2.finish())
        finally:
            d2.cleanup()


if __name__ == "__main__":
    unittest.main()
