"""pyflakes over the project's Python (tests/ and tools/): unused imports
and names, undefined names, f-strings without placeholders. Run by ctest
as unit.lint_python; exits 1 and prints each finding if there is any.

Usage: lint_python.py SOURCE_DIR"""

import os
import sys

from pyflakes.api import checkPath
from pyflakes.reporter import Reporter

SKIP = {"node_modules", "__pycache__"}


def python_files(root):
    for top in ("tests", "tools"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP)
            for f in sorted(filenames):
                if f.endswith(".py"):
                    yield os.path.join(dirpath, f)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    reporter = Reporter(sys.stdout, sys.stderr)
    files = list(python_files(root))
    findings = sum(checkPath(f, reporter) for f in files)
    print(f"pyflakes: {len(files)} files, {findings} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
