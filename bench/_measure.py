"""Measuring the nodes of bench/cluster.py: memory and CPU from /proc, and py-spy profiles.

Linux only (/proc). CPU shares are averaged over a run, in cores: each node, the load processes
(this process's children), PostgreSQL and Redis, and whatever else the machine ran meanwhile.
"""

from __future__ import annotations

import os
import platform
import re
import resource
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Node:
    """One `salon serve` process of the installation under test."""

    name: str
    base: str
    proc: subprocess.Popen[bytes]

    def rss_kb(self) -> int:
        """Resident set size from /proc/<pid>/status (VmRSS, in kB)."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
        if not match:
            raise RuntimeError(f"no VmRSS for {self.name}")
        return int(match.group(1))


TICK = os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


def _process_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process used so far, from /proc/<pid>/stat."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / TICK


SERVICES = ("postgres", "redis-server")  # process names of the shared database and Redis


def _service_seconds() -> dict[int, float]:
    """CPU seconds of every PostgreSQL and Redis process (the machine's, which we share)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.find("(") + 1:text.rfind(")")]
        if name.startswith(SERVICES):
            after_name = text.rsplit(")", 1)[1].split()
            found[int(stat.parent.name)] = (int(after_name[11]) + int(after_name[12])) / TICK
    return found


@dataclass
class CpuShare:
    """Cores used during a run: by each node, by the load processes, and by everything else."""

    nodes: list[Node]
    started: float = 0.0
    machine: tuple[int, int] = (0, 0)
    node_seconds: list[float] = field(default_factory=list)
    children: float = 0.0
    services: dict[int, float] = field(default_factory=dict)

    def __enter__(self) -> CpuShare:
        self.services = _service_seconds()
        self.started = time.monotonic()
        self.machine = _machine_ticks()
        self.node_seconds = [_process_seconds(node.proc.pid) for node in self.nodes]
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children = usage.ru_utime + usage.ru_stime
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def result(self) -> dict[str, Any]:
        wall = time.monotonic() - self.started
        busy, total = _machine_ticks()
        cores = os.cpu_count() or 1
        machine = (busy - self.machine[0]) / max(1, total - self.machine[1]) * cores
        nodes = {node.name: round((_process_seconds(node.proc.pid) - before) / wall, 2)
                 for node, before in zip(self.nodes, self.node_seconds, strict=True)}
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = (usage.ru_utime + usage.ru_stime - self.children) / wall
        services = sum(seconds - self.services.get(pid, 0.0)
                       for pid, seconds in _service_seconds().items()) / wall
        return {"machine_cores_busy": round(machine, 2), "nodes": nodes,
                "load_processes": round(load, 2), "postgres_redis": round(services, 2),
                "other": round(max(0.0, machine - sum(nodes.values()) - load - services), 2),
                "loadavg_1min": round(os.getloadavg()[0], 1)}

@dataclass
class Profiler:
    """py-spy on every node for `duration` s, `delay` s after the driver started (optional)."""

    py_spy: str | None
    out: Path | None
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, nodes: list[Node], label: str, duration: float) -> None:
        if not (self.py_spy and self.out) or self.procs:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        for node in nodes:
            target = self.out / f"{label}-{node.name}.txt"
            self.procs.append(subprocess.Popen(
                [self.py_spy, "record", "--pid", str(node.proc.pid), "--duration",
                 str(int(duration)), "--rate", "50", "--format", "raw", "--nonblocking",
                 "-o", str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def finish(self) -> None:
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


def summarise_profile(path: Path, top: int = 10) -> tuple[list[tuple[str, float]],
                                                         list[tuple[str, float]]]:
    """From a py-spy raw (collapsed) profile, in % of samples: the functions with the most own
    samples, and the innermost Salon function on each stack (what Salon code the time is for)."""
    own: Counter[str] = Counter()
    salon: Counter[str] = Counter()
    total = 0
    if not path.exists():
        return [], []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        own[frames[-1]] += int(count)
        ours = [f for f in frames if "(salon/" in f and "salon/cli.py" not in f]
        salon[ours[-1] if ours else "(no Salon frame: server, event loop)"] += int(count)
        total += int(count)
    if not total:
        return [], []
    return ([(name, 100.0 * n / total) for name, n in own.most_common(top)],
            [(name, 100.0 * n / total) for name, n in salon.most_common(top)])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
