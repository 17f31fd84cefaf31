/**
 * Bumped whenever anything in contract/ changes shape. A SharedWorker can outlive an upgrade while
 * an old tab keeps it alive, so the tab and the worker compare this before anything else.
 */
export const CONTRACT_VERSION = 2;
