"""The book explains the paper in its own words: no 9-word run shared with its text.

The checker and the paper's text live in the project's ``shared/`` folder beside the
repository (``../shared``, or ``$FSCNN_SHARED``), which CI always provides. A reader's
clone without that folder skips this one test, with the reason; a ``shared/`` folder that
exists but lacks the checker fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FSCNN_SHARED", ROOT.parent / "shared"))
TOOL = SHARED / "tools" / "originality_check.py"


def test_no_sentences_copied_from_the_paper():
    if not SHARED.is_dir():
        pytest.skip(f"no shared/ folder at {SHARED}: the paper's text is not here to compare with")
    assert TOOL.is_file(), f"originality checker not found at {TOOL} (set FSCNN_SHARED to the shared/ folder)"
    result = subprocess.run([sys.executable, str(TOOL), str(ROOT)], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=600)
    assert result.returncode == 0, "prose shared word for word with the paper:\n" + result.stdout[-5000:]
    assert result.stdout.strip().endswith(": 0"), result.stdout[-2000:]
