package dev.portcullis.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls back when a configuration file may have changed. Watches the file's directory (and
 * the directory of the file it links to), not the file: editors save by writing a new file and
 * renaming it over the old one, and Kubernetes updates a mounted ConfigMap by swapping a symbolic
 * link, and neither is a modification of the file first watched. Any event there starts a quiet
 * period of {@code debounceMs}; when it passes without further events the callback runs once, so
 * a burst of writes is one call. The callback decides whether the content really changed (an
 * unrelated file in the same directory changes nothing).
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Path file;
  private final long debounceMs;
  private final Runnable onChange;
  private final WatchService watch;
  private final Thread thread;

  private ConfigWatcher(Path file, long debounceMs, Runnable onChange) throws IOException {
    this.file = file.toAbsolutePath();
    this.debounceMs = debounceMs;
    this.onChange = onChange;
    this.watch = FileSystems.getDefault().newWatchService();
    Set<Path> dirs = new LinkedHashSet<>();
    dirs.add(this.file.getParent());
    try {
      dirs.add(this.file.toRealPath().getParent());
    } catch (IOException e) {
      // not there right now: its own directory is watched, and it is read again after each event
    }
    for (Path d : dirs) {
      d.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
    }
    this.thread = new Thread(this::run, "portcullis-config-watch");
    thread.setDaemon(true);
  }

  /** Starts watching {@code file}; {@code onChange} runs on the watcher's own thread. */
  public static ConfigWatcher start(Path file, long debounceMs, Runnable onChange) throws IOException {
    ConfigWatcher w = new ConfigWatcher(file, debounceMs, onChange);
    w.thread.start();
    return w;
  }

  private void run() {
    try {
      while (true) {
        drain(watch.take());
        WatchKey more;
        while ((more = watch.poll(debounceMs, TimeUnit.MILLISECONDS)) != null) {
          drain(more); // still changing: wait for a quiet period
        }
        try {
          onChange.run();
        } catch (RuntimeException e) {
          LOG.warn("config reload after a file change failed: {}", e.toString());
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed: stop watching
    }
  }

  private static void drain(WatchKey key) {
    key.pollEvents();
    key.reset();
  }

  @Override
  public void close() throws IOException {
    watch.close();
    thread.interrupt();
  }
}
