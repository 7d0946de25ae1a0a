import type { Writable } from 'node:stream';

/**
 * Streams a chunk of a long download (a CSV export) and waits for the client to take it, so a slow
 * client never makes us buffer the whole file; fails — ending the export's transaction — when the
 * client went away.
 */
export function writeWithBackpressure(res: Writable, chunk: string): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.reject(new Error('the client closed the connection'));
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the client closed the connection'));
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
