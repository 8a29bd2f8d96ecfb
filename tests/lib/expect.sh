# Shared by the shell tests: `expect` runs a command and checks its exit code
# and one line of its output. Source it after setting $work (a temporary
# directory the caller removes). Tallies in $passed and $failed; finish with
# expect_summary, whose status is the test's result.
passed=0
failed=0

# expect NAME WANT_EXIT PATTERN_IN_OUTPUT -- COMMAND...
# An empty PATTERN checks the exit code only.
expect() {
  local name=$1 want=$2 pattern=$3
  shift 4
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    echo "FAIL $name: exit $got, want $want"; cat "$work/out" "$work/err"
    failed=$((failed + 1)); return
  fi
  if [[ -n $pattern ]] && ! grep -qF -- "$pattern" "$work/out" "$work/err"; then
    echo "FAIL $name: output lacks: $pattern"; cat "$work/out" "$work/err"
    failed=$((failed + 1)); return
  fi
  echo "ok   $name"
  passed=$((passed + 1))
}

# must NAME COMMAND...: a step the rest of the test needs; on failure the
# test stops there, with the tails of the logs in $work.
must() {
  local name=$1
  shift
  if ! "$@"; then
    echo "FAIL $name"
    tail -n 20 "$work"/*.log "$work"/*.out "$work"/*.err 2>/dev/null
    failed=$((failed + 1))
    expect_summary
    exit 1
  fi
  echo "ok   $name"
  passed=$((passed + 1))
}

expect_summary() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
