"""The C library's memory allocator, tuned for editing large tables (glibc on Linux; elsewhere nothing).

An edit of a table copies its row lists (copy on write: the snapshot from before the edit keeps the old ones,
store/rows.py `Table.copy`): at large 4x, three lists of 30,000 entries (240 KB each) and the row index per
result typed into the batch results sheet. glibc hands out a block above its mmap threshold (128 KB at start,
moved up to the size of each such block freed) as fresh pages from the system, and gives the free top of its
heap back to the system above its trim threshold (twice the mmap threshold), so each edit's copies came from
new pages (page faults, zeroed memory) and went back when the old snapshot was dropped. Appending one row to a
30,000-row table, copy, append and drop of the old version: 1.05 + 0.56 ms with glibc's thresholds, 0.20 +
0.13 ms with them fixed at 4 MB and 32 MB (`python`, 200 edits, 2026-12-02). Fixed thresholds keep up to 32 MB
of freed memory for reuse instead of returning it at once; blocks of 4 MB and more still come from the system.

The window calls `tune()` once its project is on screen (ctypes is ~4 ms to import: not before the first
paint); the command line does not (an export allocates and frees in larger steps and measured no difference).
"""
from __future__ import annotations

import sys

MMAP_THRESHOLD = 4 << 20   # bytes: blocks this large or larger are mapped from the system, smaller from the heap
TRIM_THRESHOLD = 32 << 20  # bytes of free heap top kept for reuse before any is returned to the system
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>

tuned = False


def tune() -> bool:
    """Fix glibc's mmap and trim thresholds for this process (once). False where the C library is not glibc."""
    global tuned
    if tuned:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # musl or another C library without mallopt: nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return tuned
