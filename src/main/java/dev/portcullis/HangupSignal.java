package dev.portcullis;

import dev.portcullis.app.ConfigReloader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Makes SIGHUP reload the configuration, as nginx, Envoy's hot-restarter and most daemons do,
 * instead of the JVM's default for it (shutting down). Installed by the {@code serve} command
 * only: a signal handler is process-wide, and an embedding application owns its own signals.
 */
final class HangupSignal {
  private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);
  private static final String HUP = "HUP";

  private HangupSignal() {}

  /** @return whether the handler is installed (false where the platform has no SIGHUP) */
  static boolean install(ConfigReloader reloader) {
    try {
      // the JVM runs each delivery on a thread of its own, so the (blocking) reload may run there
      Signal.handle(new Signal(HUP), s -> reloader.reload("signal"));
      return true;
    } catch (IllegalArgumentException e) {
      LOG.warn("SIGHUP is not available here ({}); reload with POST /admin/config/reload", e.getMessage());
      return false;
    }
  }
}
