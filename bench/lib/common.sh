# bench/lib/common.sh: helpers that bench/run, bench/multi-instance-run and bench/scale-run
# share. Sourced, not run; defines functions and the list query, starts nothing.

# --- processes and ports -------------------------------------------------------------------
port_free() {  # port_free PORT: nothing listens on 127.0.0.1:PORT
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
# A process has ended once /proc no longer lists it or lists it as a zombie (kill -0 still
# succeeds on a zombie).
ended() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
wait_ready() {  # wait_ready URL LOGFILE PID: until URL answers 200; exits if PID ends first or after 30 s
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    ended "$3" && break
    sleep 0.25
  done
  echo "bench: $1 did not answer 200; its log:" >&2
  tail -n 30 "$2" >&2
  exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of every thread, in clock ticks
# Times any thread of the process gave up the CPU, waiting or pre-empted: a request that hands
# work to another thread and back (a database connection's, a timer's) shows here.
thread_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ {s += $2} END {print s + 0}'; }

# --- the list page, as bench/run's `list` workload asks it ----------------------------------
ISSUE_FIELDS='id code title status severity deadline leadDepartment { code name } cooperatingDepartments { code name } category { code name aspect { code name } } round { name }'
LIST_Q="query IssueList { issues(first: 50) { nodes { $ISSUE_FIELDS } } }"
body() {  # body QUERY [VARIABLES-JSON]: a GraphQL request body
  local vars=${2:-}
  [ -n "$vars" ] || vars='{}'
  python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "$vars"
}

# --- HAProxy ---------------------------------------------------------------------------------
# As deploy/haproxy.cfg, with checks every second rather than two, and a response header naming
# the instance that answered. It logs to its stdout only what was not normal (dontlog-normal):
# errors, with HAProxy's termination state saying which side cut the connection, and requests
# redispatched to another instance.
haproxy_head() {  # the global and defaults sections
  cat <<EOF
global
    # Two descriptors a connection: 4 000 stays under the open-file limit (20 000 here).
    maxconn 4000
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    option dontlog-normal
    option forwardfor
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout tunnel 1h
EOF
}
haproxy_service() {  # haproxy_service NAME PORT INSTANCE-PORT...: 127.0.0.1:PORT, round robin over i1, i2, ...
  local name=$1 port=$2 n=0 p
  shift 2
  cat <<EOF

frontend $name
    bind 127.0.0.1:$port
    default_backend $name

backend $name
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server check inter 1s fall 2 rise 2
    http-response set-header X-Rectify-Instance %s
EOF
  for p in "$@"; do
    n=$((n + 1))
    echo "    server i$n 127.0.0.1:$p"
  done
}
