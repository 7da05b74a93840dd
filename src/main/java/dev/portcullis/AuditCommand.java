package dev.portcullis;

import dev.portcullis.audit.AuditJson;
import dev.portcullis.audit.AuditKeyException;
import dev.portcullis.audit.AuditKeys;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.audit.ChainVerifier;
import dev.portcullis.audit.CheckpointFile;
import dev.portcullis.audit.CheckpointSigner;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code portcullis audit verify}: checks the audit trail's keyed chain, and its checkpoints, in the configured store. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Work with the audit trail.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Keygen.class, AuditCommand.PublicKey.class,
        CommandLine.HelpCommand.class})
final class AuditCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The configuration as audit commands read it: only its store and audit sections need their environment. */
  static GatewayConfig commandConfig(Path config) throws ConfigException {
    return ConfigLoader.forSections(ConfigLoader.STORE_SECTION, ConfigLoader.AUDIT_SECTION).load(config);
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true,
      description = "Print a new audit key, for audit.chain_key (chain) or audit.checkpoints.signing_key (checkpoint).")
  static final class Keygen implements Callable<Integer> {
    enum Kind { chain, checkpoint }

    @CommandLine.Parameters(paramLabel = "KIND", description = "chain (32 random bytes in base64) or checkpoint "
        + "(a private EC P-256 JWK).")
    Kind kind;

    @Override
    public Integer call() {
      System.out.println(kind == Kind.chain ? AuditKeys.newChainKey() : CheckpointSigner.generateJwk());
      return 0;
    }
  }

  @Command(name = "public-key", mixinStandardHelpOptions = true,
      description = "Print the public JWK of the configured checkpoint signing key: what auditors verify "
          + "checkpoints with, and what audit.checkpoints.previous_public_keys takes after a rotation.")
  static final class PublicKey implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = Main.DEFAULT_CONFIG,
        description = "Gateway configuration (default: ${DEFAULT-VALUE}); only its store and audit sections are "
            + "read, so environment variables other sections name need not be set.")
    Path config;

    @Override
    public Integer call() {
      try {
        GatewayConfig cfg = commandConfig(config);
        System.out.println(AuditKeys.resolve(cfg.audit(), cfg.store() == null ? null : cfg.store().url(), false)
            .signer().publicJwk());
        return 0;
      } catch (ConfigException | AuditKeyException e) {
        System.err.println(e.getMessage());
        return Main.CONFIG_ERROR;
      }
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Re-compute the audit trail's keyed hash chain and, with --against, check it against the signed "
          + "checkpoints exported to the sinks.",
          "Exit 0 when intact, 1 when an event was changed, removed, inserted or reordered (or a checkpoint is "
              + "forged), 2 when it cannot check (configuration, keys, files)."})
  static final class Verify implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = Main.DEFAULT_CONFIG,
        description = "Gateway configuration (default: ${DEFAULT-VALUE}); only its store and audit sections are "
            + "read, so environment variables other sections name need not be set.")
    Path config;

    @Option(names = "--against", paramLabel = "FILE", description = "An exported audit file holding checkpoints "
        + "(the JSON-lines file sink, or collected syslog lines); repeat for rotated files.")
    List<Path> against = new ArrayList<>();

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() {
      GatewayConfig cfg;
      try {
        cfg = commandConfig(config);
      } catch (ConfigException e) {
        System.err.println(e.getMessage());
        return Main.CONFIG_ERROR;
      }
      if (cfg.store() == null) {
        System.err.println("the configuration has no store, so there is no audit trail to verify");
        return Main.CONFIG_ERROR;
      }
      List<ChainVerifier.Anchor> anchors = new ArrayList<>();
      for (Path file : against) {
        try {
          List<ChainVerifier.Anchor> found = CheckpointFile.read(file);
          if (found.isEmpty()) {
            System.err.println(file + " holds no audit checkpoints (lines with \"type\":\"checkpoint\")");
            return Main.CONFIG_ERROR;
          }
          anchors.addAll(found);
        } catch (IOException e) {
          System.err.println("cannot read " + file + ": " + e.getMessage());
          return Main.CONFIG_ERROR;
        } catch (IllegalArgumentException e) {
          System.err.println(e.getMessage());
          return Main.CONFIG_ERROR;
        }
      }
      AuditKeys keys;
      try {
        keys = AuditKeys.resolve(cfg.audit(), cfg.store().url(), false);
      } catch (AuditKeyException e) {
        System.err.println(e.getMessage());
        return Main.CONFIG_ERROR;
      }
      ChainVerifier.Report r;
      try (Store store = Store.open(cfg.store())) {
        r = new ChainVerifier(new AuditRepository(store.dataSource(), store.sqlite()), keys.chain(), keys.signer())
            .verify(anchors);
      }
      System.out.println(json ? AuditJson.report(r).toString() : text(r, !against.isEmpty()));
      return r.ok() ? 0 : 1;
    }

    private static String text(ChainVerifier.Report r, boolean anchored) {
      StringBuilder b = new StringBuilder();
      if (r.problem() == null) {
        b.append("audit trail: ").append(r.events()).append(" events, keyed hash chain intact up to event ")
            .append(r.intactTo());
      } else {
        b.append("audit trail BROKEN at event ").append(r.brokenAt()).append(": ").append(r.problem())
            .append(" (intact up to event ").append(r.intactTo()).append(')');
      }
      if (r.unkeyed() > 0) {
        b.append("\n  note: the first ").append(r.unkeyed()).append(" events were chained before the chain was keyed "
            + "(plain SHA-256): only checkpoints protect them against a rebuilt chain");
      }
      if (anchored) {
        b.append("\ncheckpoints: ").append(r.checkpoints()).append(" checked");
        if (r.anchorProblems().isEmpty()) {
          b.append(", all match; the latest covers events up to ").append(r.latestCheckpoint());
          if (r.events() > r.latestCheckpoint()) {
            b.append(" (").append(r.events() - r.latestCheckpoint()).append(" later events are not covered yet)");
          }
        }
        for (String p : r.anchorProblems()) {
          b.append("\n  MISMATCH: ").append(p);
        }
      } else {
        b.append("\n  note: only --against FILE (the checkpoints exported to the sinks) detects a cut-off tail "
            + "with its head moved back");
      }
      b.append(r.ok() ? "\nOK" : "\nFAILED");
      return b.toString();
    }
  }
}
