"""The book explains the paper in its own words: no 9-word run shared with its text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = Path(os.environ.get("FSCNN_SHARED", ROOT.parent / "shared")) / "tools" / "originality_check.py"


def test_no_sentences_copied_from_the_paper():
    assert TOOL.is_file(), f"originality checker not found at {TOOL} (set FSCNN_SHARED to the shared/ folder)"
    result = subprocess.run([sys.executable, str(TOOL), str(ROOT)], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=600)
    assert result.returncode == 0, "prose shared word for word with the paper:\n" + result.stdout[-5000:]
