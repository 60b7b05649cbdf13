#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and on PostgreSQL. Each suite is one pytest process, which keeps one
# core busy; with two cores or more the two run side by side (about the longer suite's time instead of the sum).
# SQLite's output streams first, then PostgreSQL's (kept in a file meanwhile, so the two never interleave).
# RETE_TEST_JOBS=1 runs them one after the other. Arguments go to pytest (a subset: tests/test_x.py -k name).
# Exit status: non-zero when either suite failed.
set -uo pipefail
BIN="${BIN:-.venv/bin}"
jobs="${RETE_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}"
work="$(mktemp -d)"
pg=""
# Interrupted (Ctrl-C reaches only the foreground suite; a background job ignores SIGINT): stop the other too.
cleanup() { [ -n "$pg" ] && kill "$pg" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each suite gets its own pytest temporary root, so neither cleans up the other's directories.
suite() { local db="$1"; shift; RETE_TEST_DB="$db" "$BIN/pytest" --basetemp="$work/$db" "$@"; }
title() { echo "=== Suite on $1 ==="; }
SQLITE="SQLite (unit, integration, browser)"
POSTGRESQL="PostgreSQL 127.0.0.1:5432 (unit, integration, row-level security, browser)"

status=0
if [ "$jobs" -ge 2 ]; then
    echo "=== The two suites run side by side; PostgreSQL's output follows SQLite's ==="
    suite postgresql "$@" >"$work/postgresql.log" 2>&1 &
    pg=$!
    title "$SQLITE"
    suite sqlite "$@" || status=1
    title "$POSTGRESQL"
    tail -n +1 -f --pid="$pg" "$work/postgresql.log"
    wait "$pg" || status=1
    pg=""
else
    title "$SQLITE"
    suite sqlite "$@" || status=1
    title "$POSTGRESQL"
    suite postgresql "$@" || status=1
fi
exit "$status"
