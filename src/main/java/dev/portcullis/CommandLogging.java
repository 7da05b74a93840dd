package dev.portcullis;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Logging for short commands ({@code keys}, {@code teams}, {@code audit}...), chosen by the
 * launcher with {@code -D}{@value #PROPERTY}{@code =true}: warnings and errors only, as plain
 * lines on stderr, so that a command's stdout stays its data (a JSON log line there would break
 * {@code --json}), and without parsing logback.xml, which costs a short command a noticeable
 * part of its start-up. Without the property the gateway's logback.xml applies.
 */
public final class CommandLogging extends ContextAwareBase implements Configurator {
  static final String PROPERTY = "portcullis.command";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (!Boolean.getBoolean(PROPERTY)) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    LayoutBase<ILoggingEvent> layout = new LayoutBase<>() {
      @Override
      public String doLayout(ILoggingEvent e) {
        IThrowableProxy t = e.getThrowableProxy();
        return e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()
            + (t == null ? "" : " (" + t.getClassName() + ": " + t.getMessage() + ")") + System.lineSeparator();
      }
    };
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("stderr");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
