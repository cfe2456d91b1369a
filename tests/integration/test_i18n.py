"""Every user-facing string of the web pages exists in Vietnamese and English:
the two string tables have the same keys, no empty value, and every key the
pages use is defined. Vietnamese strings are checked for real diacritics."""

import glob
import json
import os
import re
import unittest

from plenum_testlib import source_dir


class I18nTest(unittest.TestCase):
    def setUp(self):
        web = os.path.join(source_dir(), "web")
        self.web = web
        with open(os.path.join(web, "i18n", "vi.json"), encoding="utf-8") as f:
            self.vi = json.load(f)
        with open(os.path.join(web, "i18n", "en.json"), encoding="utf-8") as f:
            self.en = json.load(f)

    def test_same_keys_no_empty(self):
        self.assertEqual(sorted(self.vi), sorted(self.en))
        for table in (self.vi, self.en):
            for k, v in table.items():
                self.assertTrue(v.strip(), k)

    def test_used_keys_are_defined(self):
        used = set()
        files = glob.glob(os.path.join(self.web, "**", "*.html"), recursive=True)
        files += glob.glob(os.path.join(self.web, "**", "*.js"), recursive=True)
        # Ours only: not the npm packages (web/node_modules).
        files = [f for f in files if "node_modules" not in f and os.path.isfile(f)]
        for path in files:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            used |= set(re.findall(r'data-i18n="([\w.]+)"', text))
            used |= set(re.findall(r'data-i18n-attr="[\w-]+:([\w.]+)"', text))
            used |= set(re.findall(r'\bshow\("[\w-]+", "\w+", "([\w.]+)"', text))
            used |= set(re.findall(r'\bt\("([\w.]+)"', text))
            # Keys built from a prefix and a known value (t(`kind.${k}`)).
            for prefix in re.findall(r'\bt\(`([\w.]+)\.\$\{', text):
                self.assertTrue(any(k.startswith(prefix + ".") for k in self.vi), prefix)
        self.assertTrue(used)
        for key in used:
            self.assertIn(key, self.vi, key)

    def test_scripts_parse(self):
        # A syntax error in a page script shows up here at once, not as a
        # browser test timing out.
        import subprocess
        for path in glob.glob(os.path.join(self.web, "js", "*.js")):
            with open(path, encoding="utf-8") as f:
                r = subprocess.run(["node", "--check", "--input-type=module"], stdin=f,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.assertEqual(r.returncode, 0, f"{path}: {r.stdout}")

    def test_vietnamese_has_diacritics(self):
        # A string table typed without diacritics ("Trang thai") is wrong.
        marks = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợ"
                           "ùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
        with_marks = sum(1 for v in self.vi.values() if marks.search(v))
        self.assertGreaterEqual(with_marks / len(self.vi), 0.8)
        self.assertEqual(self.vi["status.title"], "Trạng thái hệ thống")


if __name__ == "__main__":
    unittest.main()
