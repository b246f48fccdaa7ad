#!/bin/sh
# A simulated two-host cluster on one machine, for benchmarks/bench_mpi.py --simulate.
#   netns_cluster.sh up RATE   two network namespaces, w2va (10.77.0.1) and w2vb (10.77.0.2),
#                              joined by a veth pair; each direction limited to RATE (tc tbf, e.g. 1gbit)
#   netns_cluster.sh down      remove them
# Needs root, iproute2 (ip, tc) and util-linux (unshare).  MPICH's mpiexec reaches the
# second "host" through benchmarks/netns_ssh.sh (-launcher ssh -launcher-exec ...).
set -e
case "$1" in
up)
  RATE=${2:-1gbit}
  "$0" down
  ip netns add w2va
  ip netns add w2vb
  ip link add w2v-a type veth peer name w2v-b
  ip link set w2v-a netns w2va
  ip link set w2v-b netns w2vb
  ip -n w2va addr add 10.77.0.1/24 dev w2v-a
  ip -n w2vb addr add 10.77.0.2/24 dev w2v-b
  for ns in w2va w2vb; do
    dev=w2v-${ns#w2v}
    ip -n $ns link set lo up
    ip -n $ns link set $dev up
    tc -n $ns qdisc add dev $dev root tbf rate "$RATE" burst 1mb latency 50ms
  done
  ;;
down)
  ip netns del w2va 2>/dev/null || true
  ip netns del w2vb 2>/dev/null || true
  ;;
*)
  echo "usage: $0 up RATE | down" >&2
  exit 2
  ;;
esac
