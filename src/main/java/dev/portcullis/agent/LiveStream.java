package dev.portcullis.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A streamed answer that shows the run while it goes (tool listings and calls as they happen),
 * then the rest of the answer when the loop ends. Called on the loop's event loop.
 */
public interface LiveStream extends LoopListener {
  /**
   * The run finished with this answer: the events of what was not shown yet, then the end. The
   * stream's first events come with the first thing to show.
   */
  void finish(ObjectNode answer);

  /**
   * The run failed after the stream began: its last event says why.
   *
   * @param type the OpenAI error type ({@code invalid_request_error}, {@code server_error}...)
   */
  void failed(String type, String code, String message);
}
