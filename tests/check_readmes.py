"""Every folder that holds source files has a README.md naming each of them
(issue 23): a reader finds what a file is for from its folder's README, and
a file added without a line there fails this test (unit.readmes).

Folders are found by walking the tree, not listed here, so the test follows
the tree when folders move. A source file is one with an extension in
SOURCE; a file counts as named when its file name appears in the README as
a word of its own (`vote.c`, server/session/vote.c), not only through a glob.

Usage: check_readmes.py [SOURCE_DIR]"""

import os
import re
import sys

SOURCE = (".c", ".h", ".def", ".py", ".js", ".mjs", ".sql", ".sh")
# Not the project's sources: build output, installed packages, caches, and
# the fuzzers' corpora (inputs, not code).
SKIP_DIRS = {".git", "node_modules", "__pycache__", "Testing", "var", "corpus"}


def skipped(name):
    return name in SKIP_DIRS or name.startswith("build") or name.startswith(".")


def folders(root):
    """(folder, [source file names]) for every folder holding sources."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not skipped(d))
        sources = sorted(f for f in filenames if f.endswith(SOURCE))
        if sources:
            yield dirpath, sources


def named(text, name):
    return re.search(r"(?<![A-Za-z0-9_.-])" + re.escape(name) + r"(?![A-Za-z0-9_])", text)


def problems(root):
    out = []
    for folder, sources in folders(root):
        rel = os.path.relpath(folder, root)
        readme = os.path.join(folder, "README.md")
        if not os.path.exists(readme):
            out.append(f"{rel}/: no README.md (it holds {', '.join(sources)})")
            continue
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        missing = [s for s in sources if not named(text, s)]
        if missing:
            out.append(f"{rel}/README.md does not name: {', '.join(missing)}")
    return out


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                           else os.path.join(os.path.dirname(__file__), ".."))
    found = problems(root)
    for p in found:
        print(p)
    n = sum(1 for _ in folders(root))
    print(f"folder READMEs: {n} folders with sources, {len(found)} incomplete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
