"""Child processes for the harnesses that run the product as real processes (``make bench``,
tests/faults, the integration tests' Celery workers): each in its own process group, so stopping it stops its children (gunicorn's and
Celery's workers too), with its output in a log file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ProcessFailed(RuntimeError):
    """A child exited, or did not print what it prints once ready, in time."""


@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    log: Path

    @classmethod
    def spawn(cls, name: str, cmd: list[str], env: dict, logdir: Path) -> Proc:
        """Start ``cmd`` from the repository root, its output in ``logdir/<name>.log``."""
        log = logdir / f"{name}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return cls(name, process, log)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self, tail: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-tail:]

    def wait_for_output(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            if not self.alive() or time.monotonic() > deadline:
                raise ProcessFailed(f"{self.name} did not print {text!r}:\n{self.output()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the process and its children at once: no cleanup, no acks, no goodbyes."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM the group and wait for a warm shutdown; SIGKILL after ``timeout``."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
