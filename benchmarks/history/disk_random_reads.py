#!/usr/bin/env python3
"""How long one random page read from the disk takes, as InnoDB makes it.

GetCase on a case of years ago finds few of its pages in the buffer pool:
each is a 16 KiB read at a random place in a table's file, made one after
another by the statement that needs it. This times such reads of a file
(for example the history's message.ibd), past the page cache (O_DIRECT),
one at a time, and prints their quantiles: with the number of pages a cold
GetCase reads (scripts/bench.sh --history prints MariaDB's reads a GetCase)
it gives the time the disk alone adds to such a call.

    benchmarks/history/disk_random_reads.py FILE [--reads N] [--page BYTES]
"""
import argparse
import mmap
import os
import random
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--reads", type=int, default=2000, help="how many reads (default 2000)")
    parser.add_argument("--page", type=int, default=16384, help="bytes a read (default 16384, InnoDB's page)")
    args = parser.parse_args()

    size = os.path.getsize(args.file)
    pages = size // args.page
    if pages < 1:
        raise SystemExit(f"{args.file}: smaller than one page of {args.page} bytes")
    # O_DIRECT wants a buffer aligned to the device's block: an anonymous
    # mapping is aligned to the memory page.
    buffer = mmap.mmap(-1, args.page)
    fd = os.open(args.file, os.O_RDONLY | os.O_DIRECT)
    try:
        times = []
        for _ in range(args.reads):
            offset = random.randrange(pages) * args.page
            start = time.perf_counter()
            if os.preadv(fd, [buffer], offset) != args.page:
                raise SystemExit(f"{args.file}: short read at {offset}")
            times.append(time.perf_counter() - start)
    finally:
        os.close(fd)
    times.sort()

    def quantile(q):
        return times[min(len(times) - 1, int(q * len(times)))] * 1000

    print(f"{args.reads} random reads of {args.page} bytes from {args.file} ({size / 2**30:.1f} GiB), one at a time:"
          f" p50 {quantile(0.5):.2f} ms  p90 {quantile(0.9):.2f} ms  p99 {quantile(0.99):.2f} ms"
          f"  max {times[-1] * 1000:.2f} ms  mean {sum(times) / len(times) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
