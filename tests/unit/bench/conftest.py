"""``bench`` is not an installed package (it is run as ``python -m bench.run`` from
the repository): put the repository on the import path for these tests."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = str(Path(__file__).resolve().parents[3])
if REPO not in sys.path:
    sys.path.insert(0, REPO)
