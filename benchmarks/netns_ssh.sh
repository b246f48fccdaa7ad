#!/bin/sh
# "ssh" for MPICH's hydra on the simulated cluster of netns_cluster.sh: run the command
# in the namespace of the host (given by address), under its own host name, so MPICH
# sees two hosts and talks TCP over the rate-limited veth pair instead of shared memory.
while [ "${1#-}" != "$1" ]; do shift; done  # ssh options such as -x
host=$1
shift
case $host in
  10.77.0.1) ns=w2va ;;
  10.77.0.2) ns=w2vb ;;
  *) echo "netns_ssh.sh: unknown host $host" >&2; exit 1 ;;
esac
exec ip netns exec $ns unshare --uts sh -c "hostname $ns; $*"
