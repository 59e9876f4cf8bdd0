#!/usr/bin/env python3
"""Where a GetCase waits, from a scheduler trace of a benchmark run.

A GetCase is read on one of the hub's `case-reads` threads: a gRPC thread
hands it over (wakes the thread), the thread sends MariaDB the read batch and
then the commit batch, and sleeps until the connection's server thread
answers each result. This script follows each read from that hand-over to
the thread's last sleep before the next one, and splits its time into the
hub thread's own run, its wait for a processor (run queue), and its waits on
MariaDB; each wait on MariaDB into the serving thread's run, its wait for a
processor, and the time it was itself blocked (on a mutex, the redo log, ...).

    perf sched record -a -o sched.data -- sleep 6     # during the run
    perf sched timehist -w --state -i sched.data > timehist.txt
    benchmarks/hub/case_read_waits.py timehist.txt

A hand-over while the thread is already awake (a queue of reads) is not
seen; at the benchmark's 50 reads a second on two threads it is rare.
"""

import collections
import re
import sys

SWITCH = re.compile(r'^\s*([\d.]+)\s+\[\d+\]\s+(.+?)\[(\d+)(?:/\d+)?\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)\s*$')
WAKE = re.compile(r'^\s*([\d.]+)\s+\[\d+\]\s+(.+?)\[(\d+)(?:/\d+)?\]\s+awakened: (.+?)\[(\d+)')
READER, SERVER, HANDER = 'case-reads', 'mariadbd', 'nexting_thread'


def load(path):
    """The reader threads' events, and every thread's run segments."""
    reader_events = collections.defaultdict(list)  # tid -> [(t, 'wake', waker comm, waker tid) | (t, 'out')]
    segments = collections.defaultdict(list)  # tid -> [(since, ready, start, end, state at the end)]
    with open(path) as f:
        for line in f:
            m = WAKE.match(line)
            if m:
                if m.group(4).strip() == READER:
                    reader_events[m.group(5)].append((float(m.group(1)), 'wake', m.group(2).strip(), m.group(3)))
                continue
            m = SWITCH.match(line)
            if not m:
                continue
            t = float(m.group(1))
            queued, ran = (float(m.group(i)) / 1000 for i in (5, 6))
            # Off the processor since its last run ended: blocked until it
            # was ready, then queued; a thread that was preempted (left in
            # state R) was ready all along. perf's own "wait time" is not
            # used: for a preempted thread it overlaps the queueing.
            mine = segments[m.group(3)]
            since = mine[-1][3] if mine else t - ran - queued
            ready = since if mine and mine[-1][4] == 'R' else max(since, t - ran - queued)
            mine.append((since, ready, t - ran, t, m.group(7)))
            if m.group(2).strip() == READER:
                reader_events[m.group(3)].append((t, 'out', t - ran - ready, ran))
    return reader_events, segments


def server_side(segments, tid, a, b):
    """What thread `tid` did within [a, b]: ran, queued for a processor, blocked."""
    ran = queued = blocked = 0.0
    for since, ready, start, end, _ in segments.get(tid, ()):
        if end < a or since > b:
            continue
        ran += max(0.0, min(end, b) - max(start, a))
        queued += max(0.0, min(start, b) - max(ready, a))
        blocked += max(0.0, min(ready, b) - max(since, a))
    return ran, queued, blocked


def reads(reader_events, segments):
    out = []
    for events in reader_events.values():
        events.sort(key=lambda e: e[0])
        read, slept_at = None, None
        for e in events:
            if e[1] == 'wake':
                t, _, waker, waker_tid = e
                if waker == HANDER:
                    if read:
                        out.append(read)
                    read = dict(start=t, end=t, run=0.0, queued=0.0, waits=[])
                elif waker == SERVER and read and slept_at is not None:
                    read['waits'].append((t - slept_at,) + server_side(segments, waker_tid, slept_at, t))
                continue
            t, _, queued, ran = e
            slept_at = t
            if read is None or t - ran - queued < read['start'] - 1e-6:
                continue
            read['run'] += ran
            read['queued'] += queued
            read['end'] = t
        if read:
            out.append(read)
    for r in out:
        r['length'] = r['end'] - r['start']
        r['db'] = tuple(sum(w[i] for w in r['waits']) for i in range(4))
    out.sort(key=lambda r: r['length'])
    return out


def row(label, group):
    n = len(group)
    mean = lambda f: sum(f(r) for r in group) / n * 1e3
    print(f"{label:16} {n:5d} {mean(lambda r: r['length']):7.2f} {mean(lambda r: r['run']):7.2f}"
          f" {mean(lambda r: r['queued']):7.2f} {mean(lambda r: r['db'][0]):7.2f} {mean(lambda r: r['db'][1]):7.2f}"
          f" {mean(lambda r: r['db'][2]):7.2f} {mean(lambda r: r['db'][3]):7.2f}"
          f" {sum(len(r['waits']) for r in group) / n:6.1f}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    found = reads(*load(sys.argv[1]))
    if not found:
        sys.exit(f"no {READER} thread handed a read by {HANDER} in {sys.argv[1]}")
    n = len(found)
    print("means, ms          reads  length  hub run  hub rq  MariaDB  its run  its rq  blocked  waits")
    row("all", found)
    for p in (0.5, 0.9):
        row(f"slowest {100 - int(p * 100)}%", found[int(p * n):])
    row("slowest 1%", found[int(0.99 * n):])
    print(f"read length p50 {found[n // 2]['length'] * 1e3:.2f} ms, p99 {found[min(n - 1, int(0.99 * n))]['length'] * 1e3:.2f} ms")


if __name__ == '__main__':
    main()
