#!/usr/bin/env python3
"""bench/peakmem.py CMD... - run CMD (its output to /dev/null) under
/usr/bin/time and print "WALL_S MAXRSS_KB PRIVATE_KB": the wall time and
peak resident set (/usr/bin/time %e %M), and the peak of CMD's private
memory (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup,
sampled every 2 ms).  The difference is shared pages: the libraries, and
for a leadroute command beside a running daemon the daemon's Berkeley DB
cache that the command read through (mapped files, __db.00N), which the
machine holds once however many processes map it.  Exit: CMD's status."""
import subprocess
import sys
import time


def private_kb(pid):
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
    except OSError:
        return 0
    return total


def child_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def main():
    timed = subprocess.Popen(["/usr/bin/time", "-f", "%e %M", "-o", "/dev/stderr"] + sys.argv[1:],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, cmd = 0, None
    while timed.poll() is None:
        cmd = cmd or child_of(timed.pid)
        if cmd:
            peak = max(peak, private_kb(cmd))
        time.sleep(0.002)
    lines = timed.stderr.read().decode(errors="replace").strip().splitlines()
    wall, rss = lines[-1].split()[-2:] if lines else ("0", "0")
    print(f"{wall} {rss} {peak}")
    return timed.returncode


if __name__ == "__main__":
    sys.exit(main())
