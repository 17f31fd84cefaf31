#!/bin/sh
# Playwright starts Firefox with MOZ_CRASHREPORTER_SHUTDOWN=1, which shuts the whole browser down
# when one content process dies. The worker-death tests kill the process of a SharedWorker, so they
# start Firefox through this file, which drops that variable (test/support/kill-worker.ts).
unset MOZ_CRASHREPORTER_SHUTDOWN
exec "$SHAREDPEER_FIREFOX" "$@"
