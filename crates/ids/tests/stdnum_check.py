#!/usr/bin/env python3
"""Answer, for each line of a file, whether python-stdnum accepts it.

Usage: stdnum_check.py ric|uscc FILE

FILE is UTF-8 with one value per line ('\n' separated, nothing stripped).
Prints one line per value: '1' (valid), '0' (invalid) or 'E' (stdnum raised
something other than a ValidationError; stdnum 2.2's cn.ric raises KeyError
for an address code whose province exists but whose county does not, which
counts as invalid). Exits 3 if stdnum cannot be imported, so the caller can
tell "stdnum missing" from a disagreement.
"""

import sys

try:
    import stdnum
    from stdnum.cn import ric, uscc
except ImportError as error:  # pragma: no cover
    sys.stderr.write('cannot import python-stdnum: %s\n' % error)
    sys.exit(3)


def main():
    kind, path = sys.argv[1], sys.argv[2]
    module = {'ric': ric, 'uscc': uscc}[kind]
    with open(path, encoding='utf-8', newline='') as handle:
        values = handle.read().split('\n')
    if values and values[-1] == '':
        values.pop()
    out = []
    for value in values:
        try:
            out.append('1' if module.is_valid(value) else '0')
        except Exception:  # noqa: B902 - see the docstring
            out.append('E')
    sys.stdout.write('stdnum %s\n' % stdnum.__version__)
    sys.stdout.write('\n'.join(out))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
