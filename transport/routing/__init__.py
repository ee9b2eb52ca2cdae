"""Ride planning as a pickup-and-delivery problem with time windows (dial-a-ride).

`problem.py` holds the solver-neutral description that both the day planner
(`transport.planner`) and the `solve_darp` command build; `solve()` in `solver.py` answers it.
"""
