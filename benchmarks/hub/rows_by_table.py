#!/usr/bin/env python3
"""What MariaDB does for each message the hub writes, table by table.

Reads the server's own counters over a stretch of a benchmark run: rows
read and changed in each table (information_schema.TABLE_STATISTICS, with
userstat on for the stretch) and a few of SHOW GLOBAL STATUS (statements,
commits, bytes of SQL received). Each is divided by the rows written to
`message` in the stretch: one a submission, on either path (a follow-up the
hub sends itself is a message too, but rare).

    # while scripts/bench.sh runs, in the phase to measure:
    benchmarks/hub/rows_by_table.py --socket build/var/bench/mariadb/mysqld.sock --seconds 2

It connects as root over the socket (the benchmark's private server) and
leaves userstat off again. docs/benchmarks.md, "A case's schedule written
as a difference", has a table made with it.
"""

import argparse
import subprocess
import sys
import time

STATUS = ['Questions', 'Com_commit', 'Bytes_received', 'Bytes_sent', 'Created_tmp_tables', 'Handler_tmp_write']


def query(socket, sql):
    out = subprocess.run(['mariadb', '--no-defaults', f'--socket={socket}', '-u', 'root', '-N', '-B', '-e', sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split('\t') for line in out.splitlines() if line]


def status(socket):
    return {name: int(value) for name, value in query(socket, 'SHOW GLOBAL STATUS') if value.isdigit()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--socket', required=True, help="the benchmark server's Unix socket")
    parser.add_argument('--seconds', type=float, default=2.0, help='how long to count (default 2)')
    args = parser.parse_args()

    query(args.socket, 'SET GLOBAL userstat=1; FLUSH TABLE_STATISTICS')
    try:
        before = status(args.socket)
        time.sleep(args.seconds)
        after = status(args.socket)
        tables = query(args.socket, 'SELECT TABLE_NAME, ROWS_READ, ROWS_CHANGED, ROWS_CHANGED_X_INDEXES'
                       ' FROM information_schema.TABLE_STATISTICS')
    finally:
        query(args.socket, 'SET GLOBAL userstat=0')

    rows = {name: (int(read), int(changed), int(indexed)) for name, read, changed, indexed in tables}
    messages = rows.get('message', (0, 0, 0))[1]
    if messages == 0:
        sys.exit(f'no message was written in {args.seconds} s: is a benchmark phase running?')
    print(f'{messages} messages written in {args.seconds:g} s; each figure is per message')
    print(f'{"table":<24} {"rows read":>10} {"rows changed":>13} {"index entries":>14}')
    for name, (read, changed, indexed) in sorted(rows.items(), key=lambda item: -item[1][1]):
        print(f'{name:<24} {read / messages:>10.2f} {changed / messages:>13.2f} {indexed / messages:>14.2f}')
    total = [sum(r[i] for r in rows.values()) / messages for i in range(3)]
    print(f'{"in all":<24} {total[0]:>10.2f} {total[1]:>13.2f} {total[2]:>14.2f}')
    print('(index entries: the rows changed times the table\'s indexes, as the server counts them)')
    for name in STATUS:
        print(f'{name:<24} {(after.get(name, 0) - before.get(name, 0)) / messages:>10.3f}')


if __name__ == '__main__':
    main()
