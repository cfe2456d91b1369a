"""deploy/deps.sh installs everything (issue 21): without a fresh machine.

A machine where the suite is green can hide a package installed by hand
(gstreamer1.0-x, which textoverlay and clockoverlay come from, was one). So
this test finds what the code and the tests use and asks dpkg where each
comes from:

  - every GStreamer element factory named in the server's and the tests'
    code (gst_element_factory_make, pipeline descriptions in C and Python,
    gst-launch-1.0 command lines): its plugin file -> `dpkg -S` -> package;
  - every program the tests run (subprocess command lines, shutil.which,
    PostgreSQL's programs, Chromium): its path -> package;
  - every Python module the tests import: its file -> package;

and each package must be in the dependency closure (Depends and
Pre-Depends, no Recommends: deps.sh installs with --no-install-recommends)
of the packages `deploy/deps.sh --list test` names, plus Debian's essential
set. An element GStreamer cannot find at all fails too: deps.sh did not
install its plugin."""

import ast
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import unittest

SRC = os.environ.get("PL_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))

# Words that stand where an element would in a description but are not
# one: gst-launch-1.0's options.
NOT_ELEMENTS = {"-q", "-m", "-e", "-v"}
ELEMENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def c_literals(text):
    """The C string literals of text, adjacent ones joined (as the compiler
    joins them); comments and character constants skipped."""
    out, cur, i, n = [], None, 0, len(text)
    pending_join = False  # only blanks since the last literal ended
    while i < n:
        ch = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if ch == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            pending_join = False
            continue
        if ch == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j:j + 2])
                    j += 2
                else:
                    buf.append(text[j])
                    j += 1
            lit = "".join(buf)
            if cur is not None and pending_join:
                cur += lit
            else:
                if cur is not None:
                    out.append(cur)
                cur = lit
            pending_join = True
            i = j + 1
            continue
        if not ch.isspace():
            pending_join = False
        i += 1
    if cur is not None:
        out.append(cur)
    return out


def elements_in_description(desc):
    """Element names of a gst-launch style description (or a piece of
    one): every bare word, which is not a property (name=value), caps
    (media/type, fields), a pad reference (name.), a quoted value or a
    format directive."""
    if "!" not in desc:
        return set()
    desc = re.sub(r'\\?"[^"\\]*\\?"', " ", desc)  # quoted values: font-desc=\"Sans 20\"
    names = set()
    for w in re.split(r"[\s!]+", desc):
        if ELEMENT_RE.match(w) and w not in NOT_ELEMENTS:
            names.add(w)
    return names


def elements_used():
    """{element: [where]} over the server, the media code, the tools and
    the tests."""
    found = {}

    def add(name, where):
        found.setdefault(name, set()).add(where)

    c_files = (glob.glob(f"{SRC}/server/*.c") + glob.glob(f"{SRC}/media/*.c") +
               glob.glob(f"{SRC}/tools/*.c") + glob.glob(f"{SRC}/tests/**/*.c", recursive=True))
    for path in c_files:
        text = read(path)
        rel = os.path.relpath(path, SRC)
        for m in re.finditer(r'gst_element_factory_make\(\s*"([a-z0-9_]+)"', text):
            add(m.group(1), rel)
        for lit in c_literals(text):
            if re.search(r"[a-z0-9.]\s+!(\s|$)|(^|\s)!\s+[a-z]", lit):
                for name in elements_in_description(lit):
                    add(name, rel)
    for path in glob.glob(f"{SRC}/tests/**/*.py", recursive=True):
        if path.endswith("test_deps.py"):  # its own examples are no use
            continue
        text = read(path)
        rel = os.path.relpath(path, SRC)
        # gst-launch-1.0 command lines as lists: the word after each "!",
        # and the first element after the program and its options.
        for m in re.finditer(r'"!",\s*f?"([a-z][a-z0-9_]*)[" ]', text):
            add(m.group(1), rel)
        for m in re.finditer(r'\["gst-launch-1\.0",((?:\s*"-[a-z]",)*)\s*"([a-z][a-z0-9_]*)[" ]',
                             text):
            add(m.group(2), rel)
        # Descriptions in strings (Gst.parse_launch, gst-launch via a shell).
        for m in re.finditer(r'f?"((?:[^"\\\n]|\\.)*)"', text):
            lit = m.group(1)
            if re.search(r"[a-z0-9.]\s+!(\s|$)|(^|\s)!\s+[a-z]", lit):
                for name in elements_in_description(lit):
                    add(name, rel)
    return found


def programs_used():
    """{program: [where]}: what the tests and the build run."""
    found = {}
    paths = (glob.glob(f"{SRC}/tests/**/*.py", recursive=True) +
             glob.glob(f"{SRC}/tests/**/*.mjs", recursive=True))
    for path in paths:
        if "node_modules" in path:
            continue
        text = read(path)
        rel = os.path.relpath(path, SRC)
        pats = [r'(?:subprocess\.\w+|Popen|_as_pg|run_cmd)\(\s*\[\s*"([^"]+)"',
                r'which\(\s*"([^"]+)"\)', r'cmd = \["([^"]+)"',
                r'os\.path\.join\(PG_BIN,\s*"([^"]+)"\)', r'executablePath:\s*"([^"]+)"',
                r'"(/usr/bin/[a-z0-9.+-]+)"']
        for p in pats:
            for m in re.finditer(p, text):
                prog = m.group(1)
                if prog.startswith(("-", "$")) or " " in prog:
                    continue
                if "PG_BIN" in p:
                    prog = "/usr/lib/postgresql/15/bin/" + prog
                found.setdefault(prog, set()).add(rel)
    # What the CMake build and the README's two commands run.
    for prog in ("cmake", "make", "cc", "pkg-config", "ctest", "clang", "node", "npm",
                 "/usr/bin/python3", "/usr/lib/postgresql/15/bin/postgres",
                 "/usr/lib/postgresql/15/bin/pg_ctl", "/usr/lib/postgresql/15/bin/initdb"):
        found.setdefault(prog, set()).add("build and make run")
    return found


def modules_used():
    """Top-level Python modules the tests import (read with ast, so a
    docstring saying "from the ..." is no import)."""
    found = {}
    for path in glob.glob(f"{SRC}/tests/**/*.py", recursive=True):
        rel = os.path.relpath(path, SRC)
        try:
            tree = ast.parse(read(path))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for n in names:
                found.setdefault(n.split(".")[0], set()).add(rel)
    return found


_OWNERS = None


def _owners():
    """{path: package} from dpkg's file lists (one read instead of one
    `dpkg -S` per path: it scans every list each time)."""
    global _OWNERS
    if _OWNERS is None:
        _OWNERS = {}
        for lst in glob.glob("/var/lib/dpkg/info/*.list"):
            pkg = os.path.basename(lst)[:-5].split(":")[0]
            with open(lst, encoding="utf-8", errors="replace") as f:
                for line in f:
                    _OWNERS.setdefault(line.rstrip("\n"), pkg)
    return _OWNERS


def dpkg_owner(path):
    """The package that installed path (following symlinks), or None."""
    cands = [path, os.path.realpath(path)]
    # usrmerge: /bin/x is /usr/bin/x and dpkg may know either.
    for p in list(cands):
        if p.startswith(("/usr/bin/", "/usr/sbin/", "/usr/lib/")):
            cands.append(p[4:])
        elif p.startswith(("/bin/", "/sbin/", "/lib/")):
            cands.append("/usr" + p)
    owners = _owners()
    for p in cands:
        if p in owners:
            return owners[p]
    return None


def installed_packages():
    """{package: (depends, provides)} of every installed package, and the
    essential set."""
    fmt = "${Package}\t${Status}\t${Essential}\t${Pre-Depends}\t${Depends}\t${Provides}\n"
    r = subprocess.run(["dpkg-query", "-W", "-f", fmt], stdout=subprocess.PIPE, text=True,
                       check=True)
    pkgs, essential, provides = {}, set(), {}
    for line in r.stdout.splitlines():
        name, status, ess, pre, dep, prov = (line.split("\t") + [""] * 6)[:6]
        if not status.endswith("installed") or "not-installed" in status:
            continue
        pkgs[name] = ", ".join(x for x in (pre, dep) if x)
        if ess == "yes":
            essential.add(name)
        for p in prov.split(","):
            p = p.strip().split(" ")[0]
            if p:
                provides.setdefault(p, []).append(name)
    return pkgs, essential, provides


def closure(roots, pkgs, provides):
    """Every installed package the roots need through Depends/Pre-Depends."""
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop().split(":")[0]
        if p in seen:
            continue
        if p not in pkgs:
            for q in provides.get(p, []):
                todo.append(q)
            seen.add(p)
            continue
        seen.add(p)
        for group in pkgs[p].split(","):
            alts = [a.strip().split(" ")[0].split(":")[0] for a in group.split("|") if a.strip()]
            # An alternative is satisfied by the first one that is installed
            # (or provided): that is the one apt would keep.
            for a in alts:
                if a in pkgs or a in provides:
                    todo.append(a)
                    break
    return seen


def deps_sh_packages(which="test"):
    r = subprocess.run(["bash", f"{SRC}/deploy/deps.sh", "--list", which],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


class DepsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pkgs, essential, cls.provides = installed_packages()
        base = sorted(essential)
        cls.needed = closure(deps_sh_packages("test") + base, cls.pkgs, cls.provides)
        # `make bench` runs deps.sh bench: what only the benchmarks use may
        # come from its set.
        cls.bench_pkgs = deps_sh_packages("bench")
        cls.needed_bench = closure(cls.bench_pkgs + base, cls.pkgs, cls.provides)

    def check_owner(self, what, path, where, problems):
        pkg = dpkg_owner(path)
        needed = self.needed_bench if all(w.startswith("tests/bench/") for w in where) \
            else self.needed
        if pkg is None:
            problems.append(f"{what} ({path}, used in {', '.join(sorted(where))}) belongs to "
                            "no Debian package: deps.sh cannot install it")
        elif pkg not in needed:
            problems.append(f"{what} comes from {pkg}, which deploy/deps.sh does not install "
                            f"(nor anything it depends on); used in {', '.join(sorted(where))}")
        return pkg

    def test_every_gstreamer_element_comes_from_a_package_deps_installs(self):
        import gi
        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
        Gst.init(None)
        used = elements_used()
        # The code names at least what the issue found missing.
        self.assertIn("textoverlay", used)
        self.assertIn("webrtcbin", used)
        problems, table = [], {}
        for name, where in sorted(used.items()):
            f = Gst.ElementFactory.find(name)
            if f is None:
                problems.append(f"GStreamer element {name} (used in {', '.join(sorted(where))}) "
                                "is not installed: its plugin's package is missing from "
                                "deploy/deps.sh")
                continue
            plugin = f.get_plugin()
            path = plugin.get_filename() if plugin else None
            if not path:  # built into the core library
                continue
            table[name] = self.check_owner(f"GStreamer element {name}", path, where, problems)
        print(f"\n{len(used)} GStreamer elements named; from packages "
              f"{sorted(set(v for v in table.values() if v))}", file=sys.stderr)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_every_program_the_tests_run_comes_from_a_package_deps_installs(self):
        problems = []
        used = programs_used()
        for prog, where in sorted(used.items()):
            path = prog if prog.startswith("/") else shutil.which(prog)
            if not path or not os.path.exists(path):
                # Used by the benchmarks alone and not installed here (a
                # machine that ran `make test` but not `make bench`): its
                # package, named as the program, must be in deps.sh bench.
                if all(w.startswith("tests/bench/") for w in where) and \
                        prog in self.bench_pkgs:
                    continue
                problems.append(f"program {prog} (used in {', '.join(sorted(where))}) is not "
                                "installed: deploy/deps.sh must install its package")
                continue
            self.check_owner(f"program {prog}", path, where, problems)
        print(f"\n{len(used)} programs checked", file=sys.stderr)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_every_python_module_the_tests_import_comes_from_a_package(self):
        problems = []
        local = {os.path.splitext(os.path.basename(p))[0]
                 for p in glob.glob(f"{SRC}/tests/**/*.py", recursive=True)}
        for mod, where in sorted(modules_used().items()):
            if mod in local or mod in sys.builtin_module_names or mod == "__future__":
                continue
            spec = importlib.util.find_spec(mod)
            origin = spec.origin if spec else None
            if spec and origin in (None, "built-in", "frozen") and spec.submodule_search_locations:
                origin = os.path.join(list(spec.submodule_search_locations)[0], "__init__.py")
            if not origin or not os.path.exists(origin):
                if spec is None:
                    problems.append(f"Python module {mod} (imported by "
                                    f"{', '.join(sorted(where))}) is not installed")
                continue
            self.check_owner(f"Python module {mod}", origin, where, problems)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_the_scanner_sees_a_description(self):
        """The scanner itself: it must find the elements of a description
        split over C literals, and not take caps or pads for elements."""
        src = ('x = "videotestsrc ! video/x-raw,width=1 ! textoverlay name=a "\n'
               '    "! tee name=t t. ! queue ! fakesink";')
        lits = c_literals(src)
        self.assertEqual(len(lits), 1)
        self.assertEqual(elements_in_description(lits[0]),
                         {"videotestsrc", "textoverlay", "tee", "queue", "fakesink"})


if __name__ == "__main__":
    unittest.main()
