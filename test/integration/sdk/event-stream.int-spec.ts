import { readEventStream, type ServerSentEvent } from '../../../client/src/index.js';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readEventStream(streamOf(chunks))) events.push(event);
  return events;
}

describe('text/event-stream parser of the SDK', () => {
  it('parses events split anywhere across chunks, including inside a multi-byte character', async () => {
    const text = 'event: progress\ndata: {"a":"é"}\nid: 1\n\n: keep-alive\n\ndata: line one\ndata: line two\n\n';
    const bytes = new TextEncoder().encode(text);
    // One byte per chunk: the two bytes of "é" arrive in different reads.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const b of bytes) controller.enqueue(new Uint8Array([b]));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    for await (const event of readEventStream(stream)) events.push(event);
    expect(events).toEqual([
      { event: 'progress', data: '{"a":"é"}', id: '1' },
      { event: 'message', data: 'line one\nline two', id: undefined },
    ]);
  });

  it('accepts CRLF line ends and fields without a space', async () => {
    expect(await collect(['event:progress\r\ndata:{}\r\n\r\n'])).toEqual([{ event: 'progress', data: '{}', id: undefined }]);
  });

  it('drops an event the stream ended before completing', async () => {
    expect(await collect(['data: complete\n\n', 'data: cut off'])).toEqual([{ event: 'message', data: 'complete', id: undefined }]);
  });
});
