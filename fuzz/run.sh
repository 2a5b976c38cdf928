#!/usr/bin/env bash
# The long fuzzing run: every fuzz target (or those named) for DURATION each, one after another, each in a JVM of its
# own, then a table per target of executions, coverage, corpus, peak memory and findings.
#
#   fuzz/run.sh [DURATION] [TARGET...]
#   fuzz/run.sh --summary LOG        (the table of an earlier run's log)
#
# DURATION in Jazzer's syntax (default 30m: the acceptance bar of issue 24; 9 targets take about 4.5 hours). TARGET is a
# class name without the FuzzTest suffix: CaffeModel Prototxt Npy MeanFile NativeJpeg ImageIo ImageList Datum Hdf5
# (default: all).
# The run goes on past a finding (it stops after KEEP_GOING distinct ones per target, default 100; 1 stops at the first)
# so that each target gets its whole time; a target with findings fails. Inputs that broke a target land in
# fuzz/target/fuzz/<Target>/findings/; the corpus each target built stays in fuzz/target/fuzz/<Target>/corpus/ and
# seeds the next run. Extra Maven options may come in MAVEN_OPTS_EXTRA (e.g. -o).
set -euo pipefail
# The table: libFuzzer's own lines (its last status line, Done, stat::) and the harness's "fuzz <Target>:" line, per
# target section of the log (surefire's "Running org.cortado.fuzz.<Target>" starts one).
summary() {
  awk -v work="fuzz/target/fuzz" '
    function flush() {
      if (t == "") return
      cmd = "ls " work "/" t "/findings 2>/dev/null | grep -vc ^slow-unit-"; cmd | getline total; close(cmd)
      printf "| %-18s | %7s | %10s | %8s | %8s | %6s | %7s | %8s | %-6s |\n",
             t, secs, execs, cov, ft, corp, rss, fresh "/" total, result
      t = ""
    }
    BEGIN {
      print "| target             | seconds | executions | coverage | features | corpus | peak MB | findings | result |"
      print "| ------------------ | ------- | ---------- | -------- | -------- | ------ | ------- | -------- | ------ |"
    }
    /Running org\.cortado\.fuzz\./ {
      flush(); t = $NF; sub(/.*\./, "", t)
      secs = execs = cov = ft = corp = rss = "-"; fresh = "?"; result = "crash"
    }
    /^#[0-9]+\t.* cov: / {
      for (i = 1; i <= NF; i++) {
        if ($i == "cov:") cov = $(i + 1)
        if ($i == "ft:") ft = $(i + 1)
        if ($i == "corp:") { corp = $(i + 1); sub(/\/.*/, "", corp) }
      }
    }
    /^Done [0-9]+ runs in/ { execs = $2; secs = $5 }
    /stat::peak_rss_mb:/ { rss = $2 }
    /^fuzz [A-Za-z0-9]+FuzzTest: [0-9]+ inputs/ {
      for (i = 1; i <= NF; i++) if ($i == "new" && $(i + 1) == "findings") fresh = $(i - 1)
    }
    /Tests run:.*in org\.cortado\.fuzz\./ {
      result = ($0 !~ /Failures: 0, Errors: 0/) ? "FAIL" : (execs == "-" ? "skip" : "pass")
      flush()
    }
    END { flush() }
  ' "$1"
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ ${1:-} == --summary ]]; then
  summary "$2"
  exit 0
fi
duration=${1:-30m}
shift || true
all=(CaffeModel Prototxt Npy MeanFile NativeJpeg ImageIo ImageList Datum Hdf5)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")
tests=$(printf '%sFuzzTest,' "${targets[@]}")
tests=${tests%,}
mkdir -p fuzz/target/fuzz
log="fuzz/target/fuzz/run-$(date -u +%Y%m%dT%H%M%SZ).log"
echo "fuzzing ${targets[*]} for $duration each; log: $log"
set +e
# shellcheck disable=SC2086
mvn -B ${MAVEN_OPTS_EXTRA:-} -pl core,fuzz test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dcortado.fuzz.duration="$duration" -Dcortado.fuzz.keepGoing="${KEEP_GOING:-100}" >"$log" 2>&1
status=$?
set -e
echo
summary "$log"
echo
changes=$(git diff --quiet HEAD -- core fuzz || echo ' with local changes')
echo "commit $(git rev-parse --short HEAD)$changes, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "findings column: new in this run / all in the folder (slow-unit-* files, inputs over libFuzzer's 10 s mark but"
echo "under the timeout, are not findings: the log names them). Executions and coverage are libFuzzer's (coverage: edges"
echo "of the instrumented cortado classes; features: libFuzzer's finer measure). Full log: $log"
exit $status
