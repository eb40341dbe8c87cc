"""Runs a command for at most a given number of seconds (then kills it: exit status 137) and
writes its peak RSS in KB (VmHWM read from /proc every 10 ms, and the rusage of the reaped
child) and its wall time in seconds to a file. Linux only.

    python3 scripts/measure-rss.py OUT_FILE SECONDS COMMAND [ARG ...]
"""

import resource
import subprocess
import sys
import time

out, limit, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
start = time.monotonic()
child = subprocess.Popen(argv)
peak = 0
while child.poll() is None:
    try:
        with open(f"/proc/{child.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    except (OSError, ValueError):
        pass
    if time.monotonic() - start > limit:
        child.kill()
        child.wait()
        break
    time.sleep(0.01)
wall = time.monotonic() - start
peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
with open(out, "w") as f:
    f.write(f"{peak} {wall:.2f}\n")
sys.exit(137 if child.returncode < 0 else child.returncode)
