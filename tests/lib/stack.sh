# Starting the Coffer services a shell test needs. Source it after setting
# $coffer (the executable), $work (a temporary directory) and pids=() (the
# caller's cleanup kills every pid added there).

# stop_started: kills every process in $pids and waits for them; for the
# caller's EXIT trap.
stop_started() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
}

# stop_started_gently: SIGTERM to every process in $pids, SIGKILL to those
# still running after 10 s: databases get the chance to shut down cleanly.
stop_started_gently() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
}

# start_las DIR [ARGS...]: `las serve` with ARGS; sets $las_pid and
# $las_id once the socket is up.
start_las() {
  "$coffer" las serve --data "$1" "${@:2}" >"$1.out" 2>"$1.err" &
  las_pid=$!
  pids+=("$las_pid")
  for _ in $(seq 1 300); do
    [[ -s "$1.out" && -S "$1/las.sock" ]] && break
    kill -0 "$las_pid" 2>/dev/null || break
    sleep 0.1
  done
  las_id=$(head -n 1 "$1.out")
}

# start_cas NAME DATA LAS_SOCKET [LISTEN]: sets $cas_pid and $cas (its
# address) once it prints it, or leaves $cas empty if it exited.
start_cas() {
  local name=$1 data=$2 las=$3 listen=${4:-127.0.0.1:0}
  "$coffer" cas serve --data "$data" --las "$las" --listen "$listen" \
    >"$work/$name.out" 2>"$work/$name.err" &
  cas_pid=$!
  pids+=("$cas_pid")
  cas=""
  for _ in $(seq 1 300); do
    if [[ -s "$work/$name.out" ]]; then cas=$(head -n 1 "$work/$name.out"); break; fi
    kill -0 "$cas_pid" 2>/dev/null || break
    sleep 0.1
  done
}
