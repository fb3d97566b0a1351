#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# check-licences.sh: every tracked source file carries the SPDX line its
# directory's licence calls for (LICENSE): MIT for the public ABI headers
# and the dom0 driver's user-space headers, LGPL-2.1-or-later for libctl,
# GPL-2.0-only for everything else. Documentation, test data (fuzz
# corpora, the bad-XML corpus) and licence texts are not source files.
# Prints one PASS line, or a FAIL line per file that is wrong.
cd "$(dirname "$0")/.." || exit 1
want() {
    case $1 in
    hypervisor/include/public/*|dom0/driver/include/uapi/*) echo MIT ;;
    libctl/*) echo LGPL-2.1-or-later ;;
    *) echo GPL-2.0-only ;;
    esac
}
bad=0 n=0
for f in $(git ls-files); do
    case $f in
    *.md|*.txt|*.gitignore|LICENSE|LICENSES/*|tests/fuzz/corpus/*|*/corpus/*|*.xml|*.rng|*.json|*.[0-9]|*.expect|tests/ctl/files/*) continue ;;
    esac
    [ -f "$f" ] || continue
    n=$((n + 1))
    got=$(head -n 3 "$f" | sed -n 's/.*SPDX-License-Identifier: \([A-Za-z0-9.+-]*\).*/\1/p' | head -n 1)
    exp=$(want "$f")
    if [ -z "$got" ]; then
        echo "FAIL licences: $f: no SPDX-License-Identifier line in its first 3 lines"
        bad=$((bad + 1))
    elif [ "$got" != "$exp" ]; then
        echo "FAIL licences: $f: SPDX says $got, LICENSE says $exp"
        bad=$((bad + 1))
    fi
done
[ "$bad" -ne 0 ] || echo "PASS licences: all $n source files carry the SPDX line LICENSE asks for"
