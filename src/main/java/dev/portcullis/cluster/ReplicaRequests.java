package dev.portcullis.cluster;

import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * Requests one replica sends to another by name, for state that cannot move: a call one replica
 * holds open (an MCP {@code input_required} round) is answered by that replica, whichever replica
 * the client's retry reached. While the request runs, the answering replica may send messages
 * along (progress for the client's stream); the asking replica may cancel it.
 */
public interface ReplicaRequests {
  /** One replica: there is nobody to ask. */
  ReplicaRequests NONE = new ReplicaRequests() {
    @Override
    public String self() {
      return null;
    }

    @Override
    public void serve(String service, Responder responder) {
    }

    @Override
    public Future<String> ask(String replica, String service, String body, Consumer<String> messages,
        Consumer<Runnable> onCancel) {
      return Future.failedFuture(new Gone(replica));
    }
  };

  /** This replica's name, as others address it; null when there are no other replicas. */
  String self();

  /** Answers the requests for {@code service} that other replicas send to this one. */
  void serve(String service, Responder responder);

  /**
   * Sends a request to {@code replica} and waits for its answer.
   *
   * @param messages receives what the other replica sends along before it answers
   * @param onCancel called once with what cancels the request (the caller runs it when its client
   *     gives up)
   * @return the answer; fails with {@link Gone} when no such replica is there, or with
   *     {@link Unanswered} when it stopped answering (it died, or Redis went away) or failed
   */
  Future<String> ask(String replica, String service, String body, Consumer<String> messages,
      Consumer<Runnable> onCancel);

  /** What answers one service's requests on this replica. */
  interface Responder {
    /**
     * @param messages sends a message to the asking replica before the answer
     * @param onCancel called once with a way to learn that the asker cancelled
     */
    Future<String> answer(String body, Consumer<String> messages, Consumer<Runnable> onCancel);
  }

  /** No replica of that name is listening (it stopped, or the name was never one). */
  final class Gone extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Gone(String replica) {
      super("no replica '" + replica + "' is listening", null, false, false);
    }
  }

  /** The replica asked gave no answer: it stopped answering before it finished, or it failed. */
  final class Unanswered extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Unanswered(String message) {
      super(message, null, false, false);
    }
  }
}
