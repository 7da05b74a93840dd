package dev.portcullis;

import dev.portcullis.audit.AuditRepository;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.store.Store;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code portcullis audit verify}: checks the audit trail's hash chain in the configured store. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Work with the audit trail.",
    subcommands = AuditCommand.Verify.class)
final class AuditCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Re-compute the audit trail's hash chain; exit 1 when an event was changed, removed or inserted.")
  static final class Verify implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "Gateway configuration.")
    Path config;

    @Override
    public Integer call() {
      GatewayConfig cfg;
      try {
        cfg = new ConfigLoader().load(config);
      } catch (ConfigException e) {
        System.err.println(e.getMessage());
        return Main.CONFIG_ERROR;
      }
      if (cfg.store() == null) {
        System.err.println("the configuration has no store, so there is no audit trail to verify");
        return Main.CONFIG_ERROR;
      }
      try (Store store = Store.open(cfg.store())) {
        AuditRepository.Verification v = new AuditRepository(store.dataSource(), store.sqlite()).verify();
        if (v.ok()) {
          System.out.println("audit trail OK: " + v.events() + " events, hash chain intact");
          return 0;
        }
        System.out.println("audit trail BROKEN at event " + v.brokenAt() + ": " + v.problem());
        return 1;
      }
    }
  }
}
