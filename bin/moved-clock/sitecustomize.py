"""Loaded by every Python process that `bin/with-clock` starts (it puts this folder first on
PYTHONPATH): the process's wall clock starts at the moved moment and runs forward.

time-machine patches Python's own clocks (time.time, datetime.now, ...) and leaves the C
library's timed waits alone, so a queue's or a lock's timeout still works; libfaketime, which
moves the clock below Python, made such waits hang. Every process adds the same offset to the
real clock, so a test, its daphne and its workers agree on the time.
"""

import os

_offset = os.environ.get("VISITS_CLOCK_OFFSET")
if _offset:
    try:
        import time

        import time_machine
    except ImportError:  # a Python without the project's packages (e.g. the system one)
        pass
    else:
        time_machine.travel(time.time() + float(_offset), tick=True).start()
