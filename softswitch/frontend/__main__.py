"""``python -m softswitch.frontend FILE [-I DIR] [-D NAME[=VALUE]]``: check a P4 program.

The same as ``softswitch compile FILE``: diagnostics with the source line and a caret, exit
status 1 on errors.
"""

from __future__ import annotations

import sys

from softswitch.cli import app

if __name__ == "__main__":
    app(args=["compile", *sys.argv[1:]], prog_name="python -m softswitch.frontend")
