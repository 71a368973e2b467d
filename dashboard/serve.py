"""``python -m dashboard.serve run dashboard/app.py ...``: Streamlit's own command line, with
what every page needs imported first.

Streamlit imports a page's modules on the first visit, so the first person to open the
dashboard after it starts would wait for pandas, pyarrow, SQLAlchemy, the store and the
guardrail to load (about 1.5 s on the shared 2-core machine, measured with
``python -m bench.dashboard --browser``).  Importing them here, before the server starts
listening, moves that wait to start-up, which ``quietwatch dashboard`` waits out before it
prints the URL.
"""

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

builtin()  # the rule catalogue, read and validated once

if __name__ == "__main__":
    sys.exit(cli.main())
