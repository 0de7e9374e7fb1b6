"""ogi: China's government information-disclosure annual reports into reconciled, tidy tables."""
from ogi.model import At, Cell, Check, Issue, Report

__version__ = "0.1.0"
__all__ = ["extract", "ReadError", "Report", "Cell", "Check", "Issue", "At", "__version__"]


def __getattr__(name: str):
    # the API imports the pipeline, which imports ogi.model: load it lazily to keep imports acyclic
    if name in ("extract", "ReadError"):
        from ogi import api

        return getattr(api, name)
    raise AttributeError(name)
