#!/bin/sh
# Runs a command in a private network namespace whose only interface is loopback, so that no test
# can reach another address. Falls back to running it directly where that is not allowed (no root).
if [ "${SHAREDPEER_NETNS:-}" = "1" ]; then exec "$@"; fi
if command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 && unshare --net true 2>/dev/null; then
  exec unshare --net sh -c 'ip link set lo up && SHAREDPEER_NETNS=1 NPM_CONFIG_UPDATE_NOTIFIER=false exec "$@"' sh "$@"
fi
echo "note: cannot make a loopback-only network namespace here (needs root); running without it" >&2
exec "$@"
