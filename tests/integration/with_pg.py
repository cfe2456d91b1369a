"""Runs a command with DATABASE_URL pointing at a fresh throwaway cluster.

Usage: with_pg.py PROGRAM [ARGS...]   (used by CTest for C tests labelled db)
The cluster is removed afterwards whatever the command's outcome.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plenum_testlib import PgCluster  # noqa: E402


def main():
    pg = PgCluster()
    try:
        url = pg.create_db("test")
        env = dict(os.environ, DATABASE_URL=url, PL_TEST_PG_SOCKET=pg.sock)
        return subprocess.run(sys.argv[1:], env=env).returncode
    finally:
        pg.destroy()


if __name__ == "__main__":
    sys.exit(main())
