"""Whether an allocation can fit: the memory this process may still use.

The model's two matrices (V x D float32 each) are by far the largest
allocation; they are checked before they are made, so that a run which cannot
fit says so in one line instead of raising MemoryError (or being killed)
after reading the corpus."""

from __future__ import annotations

import os
import resource
from typing import Optional

from ..errors import W2VError


def _meminfo() -> dict:
    out = {}
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                name, _, rest = line.partition(":")
                out[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return out


def _status(field: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> Optional[int]:
    """memory.max - memory.current of this process's cgroup (v2), if limited."""
    try:
        with open("/proc/self/cgroup") as fh:
            rel = next(line.split(":", 2)[2].strip() for line in fh if line.startswith("0::"))
        base = os.path.join("/sys/fs/cgroup", rel.lstrip("/"))
        with open(os.path.join(base, "memory.max")) as fh:
            limit = fh.read().strip()
        if limit == "max":
            return None
        with open(os.path.join(base, "memory.current")) as fh:
            return int(limit) - int(fh.read().strip())
    except (OSError, ValueError, StopIteration, IndexError):
        return None


def available() -> Optional[int]:
    """Bytes this process can still allocate and touch (None: unknown): the
    least of the machine's available memory and swap, the room under the
    address-space limit (ulimit -v) and under the data limit, and the cgroup's."""
    rooms = []
    info = _meminfo()
    if "MemAvailable" in info:
        rooms.append(info["MemAvailable"] + info.get("SwapFree", 0))
    for limit, field in ((resource.RLIMIT_AS, "VmSize"), (resource.RLIMIT_DATA, "VmData")):
        soft = resource.getrlimit(limit)[0]
        used = _status(field)
        if soft != resource.RLIM_INFINITY and used is not None:
            rooms.append(soft - used)
    cgroup = _cgroup_room()
    if cgroup is not None:
        rooms.append(cgroup)
    return min(rooms) if rooms else None


def check_fits(nbytes: int, what: str) -> None:
    """Refuse in one line an allocation of ``nbytes`` that cannot fit."""
    room = available()
    if room is not None and nbytes > room:
        raise W2VError(f"not enough memory for {what}: it needs {_size(nbytes)}, "
                       f"{_size(max(room, 0))} is available; lower --dim or --max-vocab (or raise --min-count)")


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
