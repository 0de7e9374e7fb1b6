"""Running LibreOffice headless to convert documents (DOC, WPS, RTF, ODT -> DOCX; tests: DOCX -> DOC).

Every run gets a private temporary directory holding its own LibreOffice profile (`-env:UserInstallation`),
so that conversions in parallel never share a profile or a lock file; the process runs in a session of its
own and its whole process group is killed on a time-out (and, in any case, once the run is over).
`OGI_SOFFICE` names the binary when it is not `soffice`/`libreoffice` on PATH.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from extract.sniff import ReadError

CONVERT_TIMEOUT = 60.0  # seconds per conversion run
MAX_CONVERT_BYTES = 50 * 1024 * 1024
INSTALL_HINT = ("install it with `apt-get install libreoffice-writer-nogui` (Debian/Ubuntu), or save the file "
                "as DOCX")


def soffice_path() -> str | None:
    explicit = os.environ.get("OGI_SOFFICE")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_files(inputs: list[Path], outdir: Path, target: str = "docx", timeout: float = CONVERT_TIMEOUT,
                  what: str = "") -> list[Path]:
    """Convert `inputs` to `target` (a LibreOffice `--convert-to` argument) in one LibreOffice run, into
    `outdir`; returns the output paths that exist, in input order. ReadError when LibreOffice is missing, times
    out or fails outright."""
    what = what or ", ".join(str(p) for p in inputs[:3])
    binary = soffice_path()
    if binary is None:
        raise ReadError(f"{what}: converting this format needs LibreOffice (soffice), which is not installed; "
                        f"{INSTALL_HINT}")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ogi-lo-profile-") as profile:
        cmd = [binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--invisible",
               "--norestore", "--nologo", "--nodefault", "--nolockcheck", "--convert-to", target,
               "--outdir", str(outdir), *map(str, inputs)]
        env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                cwd=profile, env=env, start_new_session=True)
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ReadError(f"{what}: LibreOffice did not finish converting within {timeout:g} s") from None
        finally:
            _kill_group(proc)
    ext = target.split(":", 1)[0]
    outputs = [outdir / (p.stem + "." + ext) for p in inputs]
    if proc.returncode != 0 and not any(o.exists() for o in outputs):
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] if err else []
        raise ReadError(f"{what}: LibreOffice failed (exit {proc.returncode}{': ' + tail[0][:200] if tail else ''})")
    return [o for o in outputs if o.exists()]


def _kill_group(proc: subprocess.Popen) -> None:
    """End whatever is left of the run's process group (LibreOffice forks soffice.bin), then reap."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def convert_bytes(data: bytes, suffix: str, name: str, kind: str, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """One document's bytes (of type `suffix`, e.g. ".doc") converted to DOCX bytes, in a private temp dir."""
    if len(data) > MAX_CONVERT_BYTES:
        raise ReadError(f"{name}: {len(data)} bytes is too large a {kind} file to convert (limit {MAX_CONVERT_BYTES})")
    with tempfile.TemporaryDirectory(prefix="ogi-lo-") as tmp:
        src = Path(tmp) / ("report" + suffix)
        src.write_bytes(data)
        out = convert_files([src], Path(tmp) / "out", "docx", timeout, what=name)
        if not out:
            raise ReadError(f"{name}: LibreOffice could not convert this {kind} file to DOCX (damaged, encrypted, "
                            "or not a text document)")
        if out[0].stat().st_size > MAX_CONVERT_BYTES * 4:
            raise ReadError(f"{name}: the DOCX converted from this {kind} file is absurdly large")
        return out[0].read_bytes()
