#!/usr/bin/env python3
"""The hub's transactions by kind, from a stretch of MariaDB's general log.

MariaDB's CPU follows the hub's commits more than its rows (docs/
benchmarks.md, "What MariaDB does for each path at saturation"), so the
question for a path is how many transactions of which kind each submission
costs. This reads the general log of a benchmark run, cuts each
connection's statements into transactions at COMMIT or ROLLBACK, and names
each by what it writes.

    # while scripts/bench.sh runs (its server is build/var/bench/mariadb):
    mariadb --socket=build/var/bench/mariadb/mysqld.sock -u root -e \\
      "SET GLOBAL log_output='FILE'; SET GLOBAL general_log_file='/tmp/general.log'; SET GLOBAL general_log=1"
    sleep 2
    mariadb --socket=build/var/bench/mariadb/mysqld.sock -u root -e "SET GLOBAL general_log=0"
    benchmarks/hub/commits_by_kind.py /tmp/general.log [SUBMISSIONS]

With SUBMISSIONS (the run's rate times the seconds logged), each count is
also given per submission. The names are read from the SQL the store writes
(hub/store/mysql); a transaction that matches none is shown by its first
statement.
"""

import collections
import re
import sys

HEADER = re.compile(r'^(?:\d{6}\s+[\d:]+)?\s+(\d+)\s+(Query|Execute|Prepare|Close stmt|Quit|Connect|Init DB|'
                    r'Reset stmt|Ping|Statistics)\t?(.*)$')
END = re.compile(r'(^|;)\s*(COMMIT|ROLLBACK)\s*;?\s*$', re.I)


def transactions(path):
    """Each connection's Query and Execute texts, cut at COMMIT or ROLLBACK."""
    entries = []
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = HEADER.match(line)
            if m:
                entries.append([m.group(1), m.group(2), m.group(3)])
            elif entries:  # a statement of several lines goes on
                entries[-1][2] += '\n' + line
    open_ones = collections.defaultdict(list)
    for connection, command, text in entries:
        if command not in ('Query', 'Execute'):
            continue
        open_ones[connection].append(text)
        if END.search(text.strip()):
            yield open_ones.pop(connection)


# A transaction that writes is named by the first rule whose pattern its
# statements match, in this order (a case group also writes idempotency
# rows; a concern that opens a case alone writes its child and case before
# its receipt, a case group after its receipts; ...).
WRITE_RULES = [
    (r'INSERT INTO case_reader', 'GetCase'),
    (r'INSERT INTO (child|cre_case)\b[\s\S]*INSERT INTO idempotency', 'a concern that opens a case, alone'),
    (r'INSERT INTO idempotency[\s\S]*INSERT INTO cre_case', 'a case group that opens cases'),
    (r'INSERT INTO idempotency[\s\S]*(case_entry|case_action)', 'a case group'),
    (r'INSERT INTO idempotency', 'submissions on no case'),
    (r"SET state = 'LEASED'", 'a hand-out (leases)'),
    # Before the claim's scan: an acknowledgement asks, with the claim's own
    # condition, whether more may be claimed (MoreDueQuery).
    (r"state = 'ACKED'|acked_at", 'acknowledgements'),
    (r"state = 'PENDING' AND d.next_attempt_at", "a claim's scan for pending deliveries"),
    (r'INSERT INTO audit_log', 'the audit sealer'),
    (r'next_deadline', 'the deadline watcher'),
]


def kind(statements):
    text = '\n'.join(statements)
    has = lambda pattern: re.search(pattern, text, re.I) is not None
    if not has(r'\b(INSERT|UPDATE|DELETE|REPLACE)\b'):
        if has(r"state = 'LEASED' AND lease_owner = "):
            return "a stream's check of its leases (LeasedTo)"
        if has(r'ROLLBACK\s*;?\s*$') and len(statements) == 1:
            return 'a bare rollback'
        return 'other read-only'
    for pattern, name in WRITE_RULES:
        if has(pattern):
            return name
    return 'other: ' + re.sub(r"X'[0-9a-f]+'", "X''", statements[0])[:100].replace('\n', ' ')


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    per = float(sys.argv[2]) if len(sys.argv) == 3 else None
    counts = collections.Counter(kind(t) for t in transactions(sys.argv[1]))
    total = sum(counts.values())
    if total == 0:
        sys.exit(f"no transaction in {sys.argv[1]}")
    print(f"{total} transactions" + (f", {total / per:.3f} a submission" if per else ""))
    for name, n in counts.most_common():
        print(f"{n:7d}" + (f"  {n / per:.3f}" if per else "") + f"  {name}")


if __name__ == '__main__':
    main()
