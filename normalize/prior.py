"""The prior over how reports are filled, estimated from fully-read reports.

`p_nonzero[table.row.col]`: share of reports in which the cell is non-zero; `digits[table.col]`: share of
non-zero values with 1, 2, … digits. Estimated by `python -m normalize.prior DIR…` from expected-values
files (shared/corpus/expected) and written to normalize/data/prior.json, with add-k smoothing towards a
weak default so that a cell never seen non-zero keeps a small probability.
"""
from __future__ import annotations

import json
import math
import sys
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

PRIOR_PATH = Path(__file__).with_name("data") / "prior.json"
_SMOOTH = 2.0  # pseudo-reports at the default rate
_DEFAULT_NZ = {"natural_person": 0.5, "total": 0.5}
_DEFAULT_OTHER = 0.1
_MAX_DIGITS = 12


def _default_nz(key: str) -> float:
    return _DEFAULT_NZ.get(key.rsplit(".", 1)[-1], _DEFAULT_OTHER)


def estimate(paths: list[Path]) -> dict:
    nz: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    digits: dict[str, Counter[int]] = defaultdict(Counter)
    for p in paths:
        doc = json.loads(p.read_text(encoding="utf-8"))
        for key, cell in doc["cells"].items():
            value = cell.get("value") or 0
            seen[key] += 1
            if value:
                nz[key] += 1
                col = key.split(".")[0] + "." + key.rsplit(".", 1)[-1]
                digits[col][min(len(str(int(abs(value)))), _MAX_DIGITS)] += 1
    p_nz = {k: round((nz[k] + _SMOOTH * _default_nz(k)) / (seen[k] + _SMOOTH), 4) for k in sorted(seen)}
    p_digits = {col: [round((cnt[d] + 0.5) / (sum(cnt.values()) + 0.5 * _MAX_DIGITS), 4)
                      for d in range(1, _MAX_DIGITS + 1)] for col, cnt in sorted(digits.items())}
    return {"source": [p.name for p in paths], "p_nonzero": p_nz, "digits": p_digits}


@lru_cache(maxsize=1)
def _load() -> dict:
    if PRIOR_PATH.exists():
        return json.loads(PRIOR_PATH.read_text(encoding="utf-8"))
    return {"p_nonzero": {}, "digits": {}}


def p_nonzero(key: str) -> float:
    """Probability that cell `table.row.col` is non-zero; rows unseen fall back to the column's default."""
    return _load()["p_nonzero"].get(key, _default_nz(key))


def digits_weight(table: str, col: str, value: int | float) -> float:
    """Plausibility of the number of digits of a non-zero value in this column."""
    n = min(len(str(int(abs(value)))), _MAX_DIGITS)
    dist = _load()["digits"].get(f"{table}.{col}")
    if not dist:
        return math.exp(-0.7 * (n - 1))
    return dist[n - 1]


def main(argv: list[str]) -> int:
    paths = sorted(p for d in argv for p in Path(d).glob("*.json"))
    PRIOR_PATH.parent.mkdir(exist_ok=True)
    PRIOR_PATH.write_text(json.dumps(estimate(paths), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"prior estimated from {len(paths)} reports -> {PRIOR_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
