"""Helpers shared by the Python sides of the benchmarks."""
import time


def best_of(k, f):
    """The fastest of k runs of f(), in seconds."""
    best = float("inf")
    for _ in range(k):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best
