"""JSON storage of the experiments across resolutions (chapters 11 and 13).

An experiment measured at several resolution factors ``s`` holds ``runs[(s, label)]`` (one
dict per training: numbers, lists, arrays), ``reference[s]`` (the clean and noisy data at
that ``s``), ``sizes``, ``display`` and ``provenance`` (command, device, date, commit of a
stored long run, see ``results/README.md``). :func:`write_runs` writes it to one JSON file,
rounding the bulky entries (cuts, crops); :func:`read_runs` reads it back into its class.
:func:`fscnn_lib.unet.save_unet_experiment` and
:func:`fscnn_lib.keep_edges.save_keep_edges_experiment` are both this pair.
"""

from __future__ import annotations

import json

import numpy as np

__all__ = ["write_runs", "read_runs"]


def write_runs(path: str, exp: object, cls: type, label: str, rounded: str, decimals: int) -> None:
    """Write ``exp`` (an instance of ``cls``) to ``path``; entries whose name starts with
    ``rounded`` are rounded to ``decimals``, and each run records its ``s`` and its ``label``."""
    if not isinstance(exp, cls):
        raise TypeError(f"exp must be a {cls.__name__}, got {type(exp).__name__}")

    def rnd(d: dict) -> dict:
        return {k: np.round(np.asarray(v), decimals).tolist() if k.startswith(rounded) else v
                for k, v in d.items()}

    doc = {"sizes": exp.sizes, "display": exp.display, "provenance": exp.provenance,
           "reference": {str(s): rnd(r) for s, r in exp.reference.items()},
           "runs": [dict(rnd(r), s=s, **{label: lab}) for (s, lab), r in exp.runs.items()]}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)


def read_runs(path: str, cls: type, label: str, *, arrays: str | None = None) -> object:
    """Read a file written by :func:`write_runs` into ``cls``; entries whose name starts with
    ``arrays`` (if given) come back as NumPy arrays."""
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)

    def arr(d: dict) -> dict:
        return {k: np.asarray(v) if arrays and k.startswith(arrays) else v for k, v in d.items()}

    runs = {(r.pop("s"), r.pop(label)): arr(r) for r in doc["runs"]}
    return cls(doc["sizes"], runs, {int(s): arr(r) for s, r in doc["reference"].items()},
               doc["display"], doc.get("provenance", {}))
