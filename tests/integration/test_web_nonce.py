"""The delegate page's ballot nonces (web/js/live.js, issue 19 point 3), run
in Node with a sessionStorage of the tab's: a nonce per person and vote, the
same one again for a retry, never the previous person's on a shared tablet
(sign-out forgets them all), a new one after the server refused it as
another voter's (nonce_in_use)."""

import json
import os
import subprocess
import unittest

from plenum_testlib import source_dir

SCRIPT = r"""
class Storage {
  constructor() { this.m = new Map(); }
  get length() { return this.m.size; }
  key(i) { return [...this.m.keys()][i] ?? null; }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { this.m.set(k, String(v)); }
  removeItem(k) { this.m.delete(k); }
}
globalThis.sessionStorage = new Storage();
sessionStorage.setItem("plenum.other", "kept");
const { ballotNonce, forgetNonces } = await import(process.argv[1]);
const out = {};
out.a1 = ballotNonce(4, 7);
out.a1_again = ballotNonce(4, 7);      // a retry of the same ballot
out.a_next_vote = ballotNonce(4, 8);
out.b_same_tab = ballotNonce(5, 7);    // another person, same tablet, same vote
forgetNonces(4, 7);                    // refused as another voter's
out.a1_new = ballotNonce(4, 7);
forgetNonces();                        // sign-out
out.after_signout = [...sessionStorage.m.keys()];
out.a1_after_signout = ballotNonce(4, 7);
console.log(JSON.stringify(out));
"""


class WebNonceTest(unittest.TestCase):
    def test_a_nonce_per_person_and_vote(self):
        live = "file://" + os.path.join(source_dir(), "web", "js", "live.js")
        r = subprocess.run(["node", "--input-type=module", "-e", SCRIPT, live],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        for k in ("a1", "a_next_vote", "b_same_tab", "a1_new", "a1_after_signout"):
            self.assertRegex(o[k], r"^[A-Za-z0-9_-]{22,64}$", k)
        self.assertEqual(o["a1_again"], o["a1"])
        self.assertEqual(len({o["a1"], o["a_next_vote"], o["b_same_tab"], o["a1_new"],
                              o["a1_after_signout"]}), 5)
        self.assertEqual(o["after_signout"], ["plenum.other"])  # only nonces go


if __name__ == "__main__":
    unittest.main()
