#!/usr/bin/python3
"""No source file over 800 lines without a stated reason (issue 23): a file
longer than that must say why near its top, as a comment of the form
"About N lines, ... because/on purpose ...", within its first 40 lines.

Usage: check_sizes.py [SOURCE_DIR]"""

import os
import re
import sys

LIMIT = 800
SOURCE = (".c", ".h", ".py", ".js", ".mjs", ".sh")
SKIP_DIRS = {".git", "node_modules", "__pycache__", "Testing", "var", "corpus"}
REASON = re.compile(r"About [\d,]+ lines")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    bad, long_files = [], 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if d not in SKIP_DIRS and not d.startswith("build") and not d.startswith(".")]
        for f in filenames:
            if not f.endswith(SOURCE):
                continue
            path = os.path.join(dirpath, f)
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.readlines()
            if len(lines) <= LIMIT:
                continue
            long_files += 1
            if not REASON.search("".join(lines[:40])):
                bad.append(f"{os.path.relpath(path, root)}: {len(lines)} lines, no stated reason")
    for b in bad:
        print(b)
    print(f"file sizes: {long_files} files over {LIMIT} lines, {len(bad)} without a reason")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
