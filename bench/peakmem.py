#!/usr/bin/env python3
"""bench/peakmem.py CMD... - run CMD (its output and its notes on stderr to
/dev/null) and print
"WALL_S MAXRSS_KB PRIVATE_KB": the wall time from before the fork to the
exit (to within the 1 ms poll), the peak resident set (wait4's ru_maxrss;
CMD may exec another program, as setpriv does, and that is counted), and
the peak of CMD's private memory (Private_Clean + Private_Dirty of
/proc/PID/smaps_rollup, sampled every millisecond).  The difference is
shared pages: the libraries, and for a leadroute command beside a running
daemon the daemon's Berkeley DB cache that the command read through
(mapped files, __db.00N), which the machine holds once however many
processes map it.  Exit: CMD's status."""
import os
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


def main():
    start = time.monotonic()
    cmd = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    peak = 0
    while True:
        pid, status, usage = os.wait4(cmd.pid, os.WNOHANG)
        if pid == cmd.pid:
            break
        peak = max(peak, private_kb(cmd.pid))
        time.sleep(0.001)
    wall = time.monotonic() - start
    cmd.returncode = os.waitstatus_to_exitcode(status)
    print(f"{wall:.4f} {usage.ru_maxrss} {peak}")
    return cmd.returncode


if __name__ == "__main__":
    sys.exit(main())
