"""ogi: China's government information-disclosure annual reports into reconciled, tidy tables."""
from ogi.model import At, Cell, Check, Issue, Report

__version__ = "0.2.0"
__all__ = ["extract", "batch", "load", "verify", "diff", "fetch", "panel", "ReadError", "Report", "Cell", "Check", "Issue", "At",
           "__version__"]


def __getattr__(name: str):
    # the API imports the pipeline, which imports ogi.model: load it lazily to keep imports acyclic
    if name in ("extract", "ReadError"):
        from ogi import api

        return getattr(api, name)
    if name in ("batch", "load"):  # ogi.batch(paths, out=…) -> BatchResult; ogi.load(OUT) -> Tables of DataFrames
        from ogi import runner

        return getattr(runner, name)
    if name == "verify":  # ogi.verify(DIR, write=False) -> VerifyResult
        from ogi.expected import verify

        return verify
    if name == "diff":  # ogi.diff(OUT_A, OUT_B) -> RunDiff
        from ogi.rundiff import diff_runs

        return diff_runs
    if name == "fetch":  # ogi.fetch(RAW, listing=URL | urls=[...], then_batch=OUT) -> FetchResult
        from extract.fetch import fetch

        return fetch
    if name == "panel":  # ogi.panel(OUT) -> pandas DataFrame, one row per agency × year
        from ogi.indicators import panel

        return panel
    raise AttributeError(name)
