"""The protocol docs stay true to the code: every error code (server/proto/errors.c)
and request type (server/proto/requests.def) is documented in docs/protocol.md,
and docs/asyncapi.yaml parses and names every request and WebSocket error
code; every plenumd option appears in docs/operations.md."""

import os
import re
import subprocess
import unittest

import yaml

from plenum_testlib import source_dir


def read(*parts):
    with open(os.path.join(source_dir(), *parts), encoding="utf-8") as f:
        return f.read()


class DocsTest(unittest.TestCase):
    def setUp(self):
        self.codes = re.findall(r'\[PL_(?:OK|ERR_\w+)\]\s*=\s*\{\s*"(\w+)"', read("server", "proto", "errors.c"))
        self.types = re.findall(r'^PL_REQUEST\(PL_RQ_\w+, "([\w.]+)"', read("server", "proto", "requests.def"), re.M)
        self.protocol = read("docs", "protocol.md")
        self.asyncapi = yaml.safe_load(read("docs", "asyncapi.yaml"))

    def test_found_something(self):
        self.assertGreater(len(self.codes), 10)
        self.assertIn("ping", self.types)

    def test_asyncapi_validates(self):
        # The official AsyncAPI parser, as `asyncapi validate` uses it;
        # warnings fail the test too.
        browser = os.path.join(source_dir(), "tests", "browser")
        r = subprocess.run(["node", "asyncapi-validate.mjs",
                            os.path.join(source_dir(), "docs", "asyncapi.yaml")],
                           cwd=browser, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("valid:", r.stdout)

    def test_error_codes_documented(self):
        for code in self.codes:
            if code != "ok":
                self.assertTrue(f"`{code}`" in self.protocol, f"{code} not in docs/protocol.md")
        enum = self.asyncapi["components"]["messages"]["Error"]["payload"]["properties"]["code"]["enum"]
        http_only = {"invalid_credentials", "locked", "origin_not_allowed", "unsupported_media_type",
                     "file_too_large", "bad_file_type", "server_full", "server_busy", "ok",
                     "standing_too_high", "other_council", "needs_reset",
                     "too_long", "bad_phone", "bad_email"}
        self.assertIn("invalid_state", enum)
        for code in self.codes:
            if code not in http_only:
                self.assertIn(code, enum, code)

    def test_request_types_documented(self):
        msgs = self.asyncapi["components"]["messages"]
        names = {m["name"] for m in msgs.values()}
        for t in self.types:
            self.assertIn(f"### {t}", self.protocol, t)
            self.assertIn(t, names, t)

    def test_options_documented(self):
        out = subprocess.run([os.environ["PLENUMD"], "--help"], stdout=subprocess.PIPE,
                             text=True).stdout
        ops = read("docs", "operations.md")
        for flag in re.findall(r"^\s+(--[a-z-]+)", out, re.M):
            if flag != "--help":
                self.assertIn(f"`{flag}", ops, flag)


if __name__ == "__main__":
    unittest.main()
