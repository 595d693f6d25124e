"""``python app.py`` = ``kb-bot serve``: the web app (same flags: --host, --port, --demo).

For a local try-out on the bundled sample corpus: ``python app.py --demo`` (or ``make run``).
"""

from __future__ import annotations

import sys

from kb_bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
