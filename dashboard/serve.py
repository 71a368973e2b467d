"""``python -m dashboard.serve run dashboard/app.py ...``: Streamlit's own command line, with
what every page needs imported first.

Streamlit imports a page's modules on the first visit, so the first person to open the
dashboard after it starts would wait for pandas, pyarrow, SQLAlchemy, the store and the
guardrail to load (about 1.5 s on the shared 2-core machine, measured with
``python -m bench.dashboard --browser``).  Importing them here, before the server starts
listening, moves that wait to start-up, which ``quietwatch dashboard`` waits out before it
prints the URL.
"""

import gc
import inspect
import sys

import pandas  # noqa: F401
import pyarrow  # noqa: F401
from streamlit.web import cli

import dashboard.caselog
import dashboard.data
import dashboard.guard
import dashboard.labels
import dashboard.report  # noqa: F401
import guardrail.enforce  # noqa: F401
import store.queries  # noqa: F401
from guardrail.rules import builtin
from store.db import head_revision

builtin()  # the rule catalogue, read and validated once
head_revision()  # the newest migration, which every page checks the store against
# Streamlit's first drawn element looks at the whole call stack once (is this a REPL?),
# which maps every loaded module to its file: 0.1 s of the first page load.  Mapping them
# here fills the standard library's cache of that map, so the first page finds it done.
inspect.stack()
# What start-up made (modules, the catalogue, ...) lives as long as the process: frozen out
# of the garbage collector's view, a full collection during a page load takes 0.01 s, not
# 0.1-0.2 s (measured with gc.callbacks during python -m bench.dashboard --browser).
gc.freeze()


if __name__ == "__main__":
    sys.exit(cli.main())
