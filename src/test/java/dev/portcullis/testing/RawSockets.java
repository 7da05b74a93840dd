package dev.portcullis.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Many plain TCP clients that misbehave on purpose (say nothing, send half a request head, trickle
 * a body), watched by one selector thread that notes when the server closes each one. Sources can
 * be any loopback address (127.0.0.2, 127.0.0.3, ...: on Linux the whole 127/8 is local), so a test
 * can play several client addresses. Closes every socket it opened on {@link #close}.
 */
public final class RawSockets implements AutoCloseable {
  /** One client connection. */
  public static final class Client {
    final SocketChannel channel;
    final byte[] trickle;
    int trickled;
    volatile boolean closedByServer;
    volatile boolean closedByClient;
    private final StringBuilder received = new StringBuilder();

    Client(SocketChannel channel, byte[] trickle) {
      this.channel = channel;
      this.trickle = trickle;
    }

    /** True once the server closed (or reset) the connection. */
    public boolean closedByServer() {
      return closedByServer;
    }

    /** Closes this client's end (then it no longer counts as open). */
    public void close() throws IOException {
      closedByClient = true;
      channel.close();
    }

    /** What the server sent so far. */
    public synchronized String received() {
      return received.toString();
    }

    synchronized void append(String s) {
      received.append(s);
    }
  }

  private final int port;
  private final Selector selector;
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
  private final Thread watcher;
  private volatile boolean running = true;

  /**
   * @param port the server's port on 127.0.0.1
   * @param trickleEveryMillis how often each trickling client sends its next byte
   */
  public RawSockets(int port, long trickleEveryMillis) throws IOException {
    this.port = port;
    this.selector = Selector.open();
    this.watcher = new Thread(this::watch, "raw-sockets-watcher");
    watcher.setDaemon(true);
    watcher.start();
    trickler.scheduleWithFixedDelay(this::trickleOnce, trickleEveryMillis, trickleEveryMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Connects from {@code from} (a loopback address), sends {@code first} at once, then one byte of
   * {@code trickle} per tick, cycling, until the server closes the connection.
   */
  public Client open(String from, String first, String trickle) throws IOException {
    SocketChannel ch = SocketChannel.open();
    ch.setOption(StandardSocketOptions.SO_LINGER, 0); // closing at the end must not leave TIME_WAIT behind
    ch.bind(new InetSocketAddress(from, 0));
    ch.connect(new InetSocketAddress("127.0.0.1", port));
    if (!first.isEmpty()) {
      ch.write(ByteBuffer.wrap(first.getBytes(StandardCharsets.ISO_8859_1)));
    }
    ch.configureBlocking(false);
    Client c = new Client(ch, trickle.getBytes(StandardCharsets.ISO_8859_1));
    ch.register(selector, SelectionKey.OP_READ, c); // since Java 11 this does not wait for a select to end
    clients.add(c);
    return c;
  }

  /** Every client opened so far. */
  public List<Client> clients() {
    return List.copyOf(clients);
  }

  /** How many clients the server has not closed yet. */
  public long stillOpen() {
    return clients.stream().filter(c -> !c.closedByServer && !c.closedByClient).count();
  }

  private void trickleOnce() {
    for (Client c : clients) {
      if (c.trickle.length == 0 || c.closedByServer || c.closedByClient) {
        continue;
      }
      try {
        c.channel.write(ByteBuffer.wrap(new byte[] {c.trickle[c.trickled++ % c.trickle.length]}));
      } catch (IOException e) {
        c.closedByServer = true; // reset by the server; the watcher sees it too
      }
    }
  }

  private void watch() {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    while (running) {
      try {
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          Client c = (Client) key.attachment();
          buf.clear();
          int n;
          try {
            n = c.channel.read(buf);
          } catch (IOException reset) { // reset by the server, or closed here
            n = -1;
          }
          if (n < 0) {
            c.closedByServer = !c.closedByClient;
            key.cancel();
          } else if (n > 0) {
            c.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
          }
        }
        selector.selectedKeys().clear();
      } catch (IOException | java.nio.channels.ClosedSelectorException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws Exception {
    running = false;
    trickler.shutdownNow();
    trickler.awaitTermination(5, TimeUnit.SECONDS);
    for (Client c : clients) {
      c.channel.close();
    }
    selector.close();
    watcher.join(5_000);
  }
}
