#!/usr/bin/env bash
# `make test`: the suite in two phases. Most files run in PYTEST_WORKERS pytest-xdist processes (each file whole in
# one of them); the files that time a process or a browser against a deadline, or count UDP datagrams (tests marked
# `serial` in tests/conftest.py), run after them alone, so neither phase slows the other. Exit 5 ("nothing
# selected", e.g. PYTEST_ARGS names a file of the other phase) counts as success; both phases always run.
set -u
PY=${PY:-.venv/bin/python}
workers=${PYTEST_WORKERS:-2}
args=(${PYTEST_ARGS:-})
parallel=(-n "$workers" --dist loadfile)
[[ "$workers" == 0 ]] && parallel=()
"$PY" -m pytest -m "not slow and not serial" "${parallel[@]}" "${args[@]}"; first=$?
"$PY" -m pytest -m "serial and not slow" "${args[@]}"; second=$?
for rc in $first $second; do
  [[ $rc == 0 || $rc == 5 ]] || exit "$rc"
done
[[ $first == 0 || $second == 0 ]] || exit 5
