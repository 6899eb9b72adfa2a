#!/usr/bin/env bash
# Relay benchmark: Postfix's smtp-source → MTA under test → smtp-sink, the sink found as bench.test's MX
# through a private NSD. Carrier and a private Postfix are measured in the same run, on the same machine,
# with the same messages, sessions and durability (both commit to disk before they answer 250).
#
#   sudo bench/relay.sh [MESSAGES] [SESSIONS] [SIZE_BYTES]     (defaults: 2000 10 2048)
#
# Everything lives in a network namespace (addresses in 198.18.0.240/28) and a temporary directory; both
# are removed at the end, also after a failure or Ctrl+C. Needs root, nsd, postfix, smtp-source/smtp-sink.
set -euo pipefail

MESSAGES=${1:-2000}
SESSIONS=${2:-10}
SIZE=${3:-2048}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NS="carrier-bench-$$"
HOST_LINK="cbh$$"
NS_LINK="cbn$$"
NET=198.18.0
DNS_IP=$NET.242
SINK_IP=$NET.243
CARRIER_IP=$NET.244
POSTFIX_IP=$NET.245
SOURCE_IP=$NET.246
WORK=$(mktemp -d /tmp/carrier-bench.XXXXXX)
SINK_DUMPS=$(mktemp -d /dev/shm/carrier-bench-sink.XXXXXX)
PIDS=()

if [ "$(id -u)" -ne 0 ]; then
  echo "relay.sh: run as root (it creates a network namespace)" >&2
  exit 1
fi

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  ip netns del "$NS" 2>/dev/null
  ip link del "$HOST_LINK" 2>/dev/null
  rm -rf "/etc/netns/$NS" "$WORK" "$SINK_DUMPS"
}
trap cleanup EXIT INT TERM

inside() { ip netns exec "$NS" "$@"; }

wait_port() { # address port what
  for _ in $(seq 200); do
    if inside bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "relay.sh: $3 does not listen on $1:$2" >&2
  exit 1
}

# --- network -----------------------------------------------------------------------------------------------
ip netns add "$NS"
ip link add "$HOST_LINK" type veth peer name "$NS_LINK"
ip link set "$NS_LINK" netns "$NS"
ip addr add $NET.241/28 dev "$HOST_LINK"
ip link set "$HOST_LINK" up
ip -n "$NS" link set lo up
for ip in $DNS_IP $SINK_IP $CARRIER_IP $POSTFIX_IP $SOURCE_IP; do
  ip -n "$NS" addr add "$ip/28" dev "$NS_LINK"
done
ip -n "$NS" link set "$NS_LINK" up
# Programs run with ip netns exec read this resolv.conf instead of the host's (Postfix's resolver needs it).
mkdir -p "/etc/netns/$NS"
echo "nameserver $DNS_IP" > "/etc/netns/$NS/resolv.conf"
chmod 755 "/etc/netns/$NS"; chmod 644 "/etc/netns/$NS/resolv.conf"   # read by Postfix's unprivileged smtp client

# --- DNS: bench.test's MX is the sink -----------------------------------------------------------------------
"$ROOT/bench/lib/start-nsd.sh" "$WORK/dns" "$DNS_IP" "$SINK_IP" > "$WORK/nsd.conf.path"
ip netns exec "$NS" nsd -d -c "$(cat "$WORK/nsd.conf.path")" > "$WORK/nsd.log" 2>&1 &
PIDS+=($!)

# --- the sink ---------------------------------------------------------------------------------------------
chown postfix "$SINK_DUMPS"
ip netns exec "$NS" smtp-sink -u postfix -h sink.bench.test -d "$SINK_DUMPS/msg." "$SINK_IP:25" 256 > "$WORK/sink.log" 2>&1 &
SINK_PID=$!
PIDS+=($SINK_PID)
wait_port "$SINK_IP" 25 smtp-sink

# --- Carrier ----------------------------------------------------------------------------------------------
CARRIER_DLL="$ROOT/src/Carrier/bin/Release/net10.0/carrier.dll"
dotnet build "$ROOT/src/Carrier" -c Release -v quiet -nologo > "$WORK/build.log" || { cat "$WORK/build.log" >&2; exit 1; }
mkdir -p "$WORK/carrier"
env CARRIER_Hostname=relay.carrier.bench \
    CARRIER_Smtp__Listen__0="$CARRIER_IP:25" \
    CARRIER_Submission__Listen__0= CARRIER_Submissions__Listen__0= CARRIER_Pop3__Listen__0= \
    CARRIER_Pop3s__Listen__0= CARRIER_Imap__Listen__0= CARRIER_Imaps__Listen__0= \
    CARRIER_Dns__Servers__0="$DNS_IP" \
    CARRIER_Relay__TrustedNetworks__0="$NET.240/28" \
    CARRIER_Logging__LogLevel__Default=Warning \
    ip netns exec "$NS" dotnet "$CARRIER_DLL" serve --data "$WORK/carrier" > "$WORK/carrier.log" 2>&1 &
PIDS+=($!)
wait_port "$CARRIER_IP" 25 Carrier

# --- Postfix ----------------------------------------------------------------------------------------------
"$ROOT/bench/lib/configure-postfix.sh" "$WORK/postfix" "$POSTFIX_IP" "$NET.240/28"
ip netns exec "$NS" setsid /usr/lib/postfix/sbin/master -c "$WORK/postfix/etc" -d > "$WORK/postfix-master.log" 2>&1 &
PIDS+=($!)
wait_port "$POSTFIX_IP" 25 Postfix

# --- runs -------------------------------------------------------------------------------------------------
now() { date +%s.%N; }

# One run: MESSAGES messages through the MTA at $2; prints "accepted_seconds end_to_end_seconds".
run() { # name address
  rm -f "$SINK_DUMPS"/msg.*
  local start accepted done count
  start=$(now)
  inside smtp-source -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" -f "sender@source.test" -t "rcpt@bench.test" \
    -M source.test "$2:25" > "$WORK/source-$1.log" 2>&1
  accepted=$(now)
  local deadline=$(( $(date +%s) + 600 ))
  while :; do
    count=$(find "$SINK_DUMPS" -name 'msg.*' | wc -l)
    [ "$count" -ge "$MESSAGES" ] && break
    if [ "$(date +%s)" -gt "$deadline" ]; then
      echo "relay.sh: $1 delivered only $count of $MESSAGES messages in 10 minutes" >&2
      exit 1
    fi
    sleep 0.05
  done
  done=$(now)
  awk -v s="$start" -v a="$accepted" -v d="$done" 'BEGIN { printf "%.3f %.3f\n", a - s, d - s }'
}

# A short warm-up for each (JIT, connection caches), not measured.
MESSAGES_SAVED=$MESSAGES; MESSAGES=50
run warmup-carrier "$CARRIER_IP" > /dev/null
run warmup-postfix "$POSTFIX_IP" > /dev/null
MESSAGES=$MESSAGES_SAVED

read -r carrier_accept carrier_total < <(run carrier "$CARRIER_IP")
read -r postfix_accept postfix_total < <(run postfix "$POSTFIX_IP")

# Latency per message: our own source stamps each message and our own sink times its arrival (the same
# wall clock), at a pace both MTAs sustain. smtp-sink is replaced by the timing sink for this part.
latency() { # name address
  inside /usr/bin/python3 "$ROOT/bench/lib/relay_latency.py" sink "$SINK_IP" "$LATENCY_MESSAGES" "$WORK/arrivals-$1.json" > "$WORK/latency-sink-$1.log" 2>&1 &
  local sink=$!
  wait_port "$SINK_IP" 25 "the timing sink"
  inside /usr/bin/python3 "$ROOT/bench/lib/relay_latency.py" send "$2" "$LATENCY_MESSAGES" "$SESSIONS" "$SIZE" "$LATENCY_RATE" "$WORK/latency-$1.json"
  wait "$sink"   # it exits by itself once every message has arrived
  /usr/bin/python3 "$ROOT/bench/lib/relay_latency.py" analyse "$WORK/latency-$1.json" "$WORK/arrivals-$1.json"
}
LATENCY_MESSAGES=$(( MESSAGES < 600 ? MESSAGES : 600 ))
LATENCY_RATE=${LATENCY_RATE:-20}   # messages per second, well under both MTAs' throughput here
kill -TERM "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
read -r carrier_p50 carrier_p99 carrier_max < <(latency carrier "$CARRIER_IP")
read -r postfix_p50 postfix_p99 postfix_max < <(latency postfix "$POSTFIX_IP")

rate() { awk -v n="$MESSAGES" -v t="$1" 'BEGIN { printf "%.1f", n / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
carrier_rate=$(rate "$carrier_total"); postfix_rate=$(rate "$postfix_total")
cat <<REPORT
relay benchmark: $MESSAGES messages of $SIZE bytes, $SESSIONS sessions, smtp-source -> MTA -> smtp-sink (MX via NSD)
machine: $(nproc) cores, $(uname -sr); $(dotnet --version | sed 's/^/.NET SDK /'); Postfix $(postconf -d -h mail_version 2>/dev/null)
                      accepted (s)   end to end (s)   messages/s end to end
Carrier               $(printf '%12.2f %16.2f %23s' "$carrier_accept" "$carrier_total" "$carrier_rate")
Postfix               $(printf '%12.2f %16.2f %23s' "$postfix_accept" "$postfix_total" "$postfix_rate")
Carrier / Postfix     throughput x$(ratio "$carrier_rate" "$postfix_rate"), end-to-end time x$(ratio "$carrier_total" "$postfix_total")

end-to-end latency per message ($LATENCY_MESSAGES messages paced at $LATENCY_RATE/s over $SESSIONS smtplib sessions; ms from MAIL to arrival at the sink)
                      p50        p99        max
Carrier               $(printf '%-10s %-10s %s' "$carrier_p50" "$carrier_p99" "$carrier_max")
Postfix               $(printf '%-10s %-10s %s' "$postfix_p50" "$postfix_p99" "$postfix_max")
Carrier / Postfix     p50 x$(ratio "$carrier_p50" "$postfix_p50"), p99 x$(ratio "$carrier_p99" "$postfix_p99")
REPORT
