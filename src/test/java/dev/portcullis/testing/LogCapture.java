package dev.portcullis.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Collects what one logger logs (message, level and key-value pairs) while it is open. The logger
 * logs INFO and above meanwhile, whatever PORTCULLIS_LOG_LEVEL the environment sets (CI runs
 * with WARN), and gets its own level back on close.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  /** One captured event: its fields as the JSON log line would carry them, plus msg and level. */
  public record Line(String level, String msg, Map<String, Object> fields) {
    public Object get(String key) {
      return fields.get(key);
    }
  }

  private final Logger logger;
  private final Level levelBefore;
  private final List<Line> lines = new CopyOnWriteArrayList<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
    this.levelBefore = logger.getLevel();
  }

  public static LogCapture of(String loggerName) {
    Logger logger = (Logger) LoggerFactory.getLogger(loggerName);
    LogCapture c = new LogCapture(logger);
    c.setContext(logger.getLoggerContext());
    c.start();
    if (!logger.isInfoEnabled()) {
      logger.setLevel(Level.INFO);
    }
    logger.addAppender(c);
    return c;
  }

  public static LogCapture of(Class<?> type) {
    return of(type.getName());
  }

  @Override
  protected void append(ILoggingEvent e) {
    Map<String, Object> fields = new HashMap<>();
    if (e.getKeyValuePairs() != null) {
      for (KeyValuePair kv : e.getKeyValuePairs()) {
        fields.put(kv.key, kv.value);
      }
    }
    lines.add(new Line(e.getLevel().toString(), e.getFormattedMessage(), fields));
  }

  public List<Line> lines() {
    return List.copyOf(lines);
  }

  /** The lines whose field {@code key} equals {@code value}. */
  public List<Line> where(String key, Object value) {
    return lines.stream().filter(l -> value.equals(l.get(key))).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    logger.setLevel(levelBefore);
    stop();
  }
}
