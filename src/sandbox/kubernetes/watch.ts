import type http from 'node:http';
import type { JsonObject } from './json';
import type { ResourceType } from './resources';
import type { Matcher } from './selectors';
import type { ObjectStore, StoreEvent } from './store';

/**
 * A watch: headers flushed at once (client-go waits for them even when it no longer needs the
 * watch, and kubectl would hang at exit), then one JSON event per line: the current objects as
 * ADDED for resourceVersion 0 or none, else every change after the given revision replayed from
 * the store's history, then changes as they happen, until timeoutSeconds or the client leaves.
 */

export type WatchStreams = Set<http.ServerResponse>;

export interface WatchRequest {
  type: ResourceType;
  /** undefined: every namespace. */
  namespace?: string;
  matcher: Matcher;
  params: URLSearchParams;
}

function expiredEvent(requested: number, oldest: number): string {
  const status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${requested} (${oldest})`,
    reason: 'Expired',
    code: 410,
  };
  return `${JSON.stringify({ type: 'ERROR', object: status })}\n`;
}

export function streamWatch(
  streams: WatchStreams,
  store: ObjectStore,
  watch: WatchRequest,
  res: http.ServerResponse,
): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  streams.add(res);
  const selected = (e: StoreEvent): boolean =>
    e.resource === watch.type.name &&
    (watch.namespace === undefined || e.namespace === watch.namespace) &&
    watch.matcher(e.object);
  const send = (type: string, object: JsonObject): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };

  const from = watch.params.get('resourceVersion');
  if (!from || from === '0') {
    for (const object of store.list(watch.type.name, watch.namespace))
      if (watch.matcher(object)) send('ADDED', object);
  } else {
    const events = store.eventsAfter(Number(from));
    if (!events) {
      res.end(expiredEvent(Number(from), store.oldestReplayable));
      streams.delete(res);
      return;
    }
    for (const e of events) if (selected(e)) send(e.type, e.object);
  }

  const unsubscribe = store.subscribe((e) => {
    if (selected(e)) send(e.type, e.object);
  });
  const seconds = Number(watch.params.get('timeoutSeconds') ?? 0);
  const timer = seconds > 0 ? setTimeout(() => res.end(), seconds * 1000).unref() : undefined;
  const stop = (): void => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    streams.delete(res);
  };
  // Not req's 'close': since Node 16 it fires once the request body is read, not when the client leaves.
  res.on('close', stop);
}
