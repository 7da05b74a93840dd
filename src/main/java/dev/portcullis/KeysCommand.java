package dev.portcullis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.admin.KeyAdmin;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import dev.portcullis.limits.Accountant;
import dev.portcullis.store.Store;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code portcullis keys ...} and {@code portcullis teams ...}: manage virtual keys directly in
 * the configured store (no running gateway needed). Running replicas see a change within
 * {@code store.key_refresh_ms}, or within a second when the configuration has a {@code cluster}
 * section: the command then announces it on Redis as a replica would.
 */
final class KeysCommand {
  private KeysCommand() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  abstract static class StoreCommand implements Callable<Integer> {
    @Option(names = "--config", defaultValue = Main.DEFAULT_CONFIG, paramLabel = "FILE",
        description = "Configuration file whose store holds the keys (default: ${DEFAULT-VALUE}); only its "
            + "store and cluster sections are read, so environment variables other sections name need not be set.")
    Path config;

    @Option(names = "--json", description = "Print JSON instead of text: the object shown, created or changed "
        + "(as the admin API returns it), or {\"data\": [...]} for a list.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      GatewayConfig cfg;
      try {
        cfg = ConfigLoader.forSections(ConfigLoader.STORE_SECTION, ConfigLoader.CLUSTER_SECTION).load(config);
      } catch (ConfigException e) {
        System.err.println(e.getMessage());
        return Main.CONFIG_ERROR;
      }
      if (cfg.store() == null) {
        System.err.println(config + ": has no store section (store: { url: jdbc:sqlite:data/portcullis.db })");
        return Main.CONFIG_ERROR;
      }
      java.util.concurrent.atomic.AtomicBoolean changed = new java.util.concurrent.atomic.AtomicBoolean();
      int exit;
      try (Store store = Store.open(cfg.store())) {
        exit = run(new KeyAdmin(store, () -> changed.set(true), null));
      } catch (IllegalArgumentException | NoSuchElementException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
      if (changed.get() && cfg.cluster().enabled()) {
        announce(cfg);
      }
      return exit;
    }

    /** Tells the running replicas to re-read keys and teams; the change is stored whether they hear or not. */
    private void announce(GatewayConfig cfg) {
      try {
        dev.portcullis.cluster.ChangeAnnouncer.announce(cfg.cluster(), dev.portcullis.cluster.ChangeEvent.Kind.KEYS);
      } catch (Exception e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
        System.err.println("warning: stored, but the running replicas could not be told (" + cause.getMessage()
            + "); they see the change within store.key_refresh_ms");
      }
    }

    abstract int run(KeyAdmin admin) throws Exception;

    /** One object: JSON with --json, else one "field: value" line per field. */
    void print(ObjectNode o) throws Exception {
      if (json) {
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        return;
      }
      o.fields().forEachRemaining(f -> System.out.printf("%-14s %s%n", f.getKey() + ":",
          f.getValue().isNull() ? "-" : f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString()));
    }

    /** A list, with --json: {"data": [...]}, the admin API's list shape. */
    void printJsonList(List<ObjectNode> items) throws Exception {
      ObjectNode o = JSON.createObjectNode();
      items.forEach(o.putArray("data")::add);
      System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
    }

    /** What a command that changed one object (disable, enable, delete) prints. */
    void changed(String verb, ObjectNode view) throws Exception {
      if (json) {
        print(view);
      } else {
        System.out.println(verb + " " + view.path("name").asText());
      }
    }
  }

  /** A budget as the tables show it: $25 monthly. */
  static String budget(Long nanos, String period) {
    return nanos == null ? "-" : "$" + Accountant.usd(nanos) + " " + KeyAdmin.periodWord(period);
  }

  /** Options shared by create and update. */
  static class KeyOptions {
    @Option(names = "--team", description = "Team name or id (created when missing).")
    String team;
    @Option(names = "--owner", description = "Owner (a person or service).")
    String owner;
    @Option(names = "--models", split = ",", description = "Allowed model globs, comma-separated (default: all).")
    List<String> models;
    @Option(names = "--rpm", description = "Requests per minute.")
    Integer rpm;
    @Option(names = "--tpm", description = "Tokens per minute (prompt + completion).")
    Long tpm;
    @Option(names = "--max-parallel", description = "Requests in flight at once.")
    Integer maxParallel;
    @Option(names = "--budget", description = "Budget in US dollars per period.")
    String budget;
    @Option(names = "--period", description = "Budget period: daily, weekly, monthly or total (default total).")
    String period;
    @Option(names = "--expires", description = "Expiry: 2026-01-31, 2026-01-31T12:00:00Z, or a duration like 30d.")
    String expires;
    @Option(names = "--tag", description = "Metadata tag KEY=VALUE (repeatable).")
    Map<String, String> tags;

    ObjectNode toJson(String name) {
      ObjectNode o = JSON.createObjectNode();
      if (name != null) {
        o.put("name", name);
      }
      if (team != null) {
        o.put("team", team);
      }
      if (owner != null) {
        o.put("owner", owner);
      }
      if (models != null) {
        models.forEach(o.withArray("models")::add);
      }
      if (rpm != null) {
        o.put("rpm", rpm);
      }
      if (tpm != null) {
        o.put("tpm", tpm);
      }
      if (maxParallel != null) {
        o.put("max_parallel", maxParallel);
      }
      if (budget != null) {
        o.put("budget_usd", budget);
      }
      if (period != null) {
        o.put("budget_period", period);
      }
      if (expires != null) {
        o.put("expires", expires);
      }
      if (tags != null) {
        ObjectNode m = o.putObject("metadata");
        tags.forEach(m::put);
      }
      return o;
    }
  }

  @Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage virtual keys.",
      subcommands = {Create.class, ListKeys.class, Show.class, Update.class, Rotate.class, Disable.class,
          Enable.class, Delete.class, CommandLine.HelpCommand.class})
  static final class Keys implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a key; its secret is printed once and never stored.")
  static final class Create extends StoreCommand {
    @Option(names = "--name", required = true, description = "Unique key name.")
    String name;
    @CommandLine.Mixin
    KeyOptionsMixin opts;

    @Override
    int run(KeyAdmin admin) throws Exception {
      KeyAdmin.Issued i = admin.create(opts.toJson(name));
      issued(admin, i, json);
      return 0;
    }
  }

  /** picocli mixin wrapper of {@link KeyOptions}. */
  static final class KeyOptionsMixin extends KeyOptions { }

  static void issued(KeyAdmin admin, KeyAdmin.Issued i, boolean json) throws Exception {
    if (json) {
      System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
          admin.view(i.key()).put("key", i.secret())));
      return;
    }
    System.out.println(i.secret());
    System.err.println("key '" + i.key().name() + "' (" + i.key().id() + "): the secret above is shown only"
        + " this once; store it now.");
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never their secrets).")
  static final class ListKeys extends StoreCommand {
    @Override
    int run(KeyAdmin admin) throws Exception {
      if (json) {
        printJsonList(admin.list().stream().map(admin::view).toList());
        return 0;
      }
      Map<String, String> teams = new java.util.HashMap<>();
      for (Team t : admin.teams()) {
        teams.put(t.id(), t.name());
      }
      System.out.printf("%-20s %-24s %-10s %-10s %-14s %-8s %-10s %-18s %s%n", "ID", "NAME", "PREFIX", "TEAM",
          "MODELS", "RPM", "TPM", "BUDGET", "STATE");
      for (VirtualKey k : admin.list()) {
        String state = k.disabled() ? "disabled" : k.expired(System.currentTimeMillis()) ? "expired" : "active";
        System.out.printf("%-20s %-24s %-10s %-10s %-14s %-8s %-10s %-18s %s%n", k.id(), k.name(),
            k.keyPrefix() + "…", k.teamId() == null ? "-" : teams.getOrDefault(k.teamId(), k.teamId()),
            k.models().isEmpty() ? "*" : String.join(",", k.models()), k.rpm() == null ? "-" : k.rpm(),
            k.tpm() == null ? "-" : k.tpm(),
            budget(k.budgetNanos(), k.budgetPeriod()),
            state + (k.expiresAt() == null ? "" : " (expires " + Instant.ofEpochMilli(k.expiresAt()) + ")"));
      }
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one key.")
  static final class Show extends StoreCommand {
    @Parameters(paramLabel = "KEY", description = "Key id or name.")
    String key;

    @Override
    int run(KeyAdmin admin) throws Exception {
      print(admin.view(admin.find(key)));
      return 0;
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true, description = "Change a key's limits.")
  static final class Update extends StoreCommand {
    @Parameters(paramLabel = "KEY", description = "Key id or name.")
    String key;
    @CommandLine.Mixin
    KeyOptionsMixin opts;

    @Override
    int run(KeyAdmin admin) throws Exception {
      print(admin.view(admin.update(key, opts.toJson(null))));
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Give a key a new secret (the old one stops working); prints it once.")
  static final class Rotate extends StoreCommand {
    @Parameters(paramLabel = "KEY", description = "Key id or name.")
    String key;

    @Override
    int run(KeyAdmin admin) throws Exception {
      issued(admin, admin.rotate(key), json);
      return 0;
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true, description = "Refuse a key until enabled.")
  static final class Disable extends StoreCommand {
    @Parameters(paramLabel = "KEY", description = "Key id or name.")
    String key;

    @Override
    int run(KeyAdmin admin) throws Exception {
      changed("disabled", admin.view(admin.setDisabled(key, true)));
      return 0;
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true, description = "Accept a disabled key again.")
  static final class Enable extends StoreCommand {
    @Parameters(paramLabel = "KEY", description = "Key id or name.")
    String key;

    @Override
    int run(KeyAdmin admin) throws Exception {
      changed("enabled", admin.view(admin.setDisabled(key, false)));
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a key (its usage stays).")
  static final class Delete extends StoreCommand {
    @Parameters(paramLabel = "KEY", description = "Key id or name.")
    String key;

    @Override
    int run(KeyAdmin admin) throws Exception {
      changed("deleted", admin.view(admin.delete(key)));
      return 0;
    }
  }

  @Command(name = "teams", mixinStandardHelpOptions = true, description = "Manage teams (shared budgets).",
      subcommands = {TeamCreate.class, TeamUpdate.class, TeamList.class, TeamDelete.class,
          CommandLine.HelpCommand.class})
  static final class Teams implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a team.")
  static final class TeamCreate extends StoreCommand {
    @Option(names = "--name", required = true, description = "Unique team name.")
    String name;
    @Option(names = "--budget", description = "Budget in US dollars per period, shared by the team's keys.")
    String budget;
    @Option(names = "--period", description = "daily, weekly, monthly or total (default total).")
    String period;

    @Override
    int run(KeyAdmin admin) throws Exception {
      ObjectNode o = JSON.createObjectNode().put("name", name);
      if (budget != null) {
        o.put("budget_usd", budget);
      }
      if (period != null) {
        o.put("budget_period", period);
      }
      print(admin.view(admin.createTeam(o)));
      return 0;
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Change a team's budget (for example one that keys create --team made).")
  static final class TeamUpdate extends StoreCommand {
    @Parameters(paramLabel = "TEAM", description = "Team id or name.")
    String team;
    @Option(names = "--budget", description = "Budget in US dollars per period, shared by the team's keys.")
    String budget;
    @Option(names = "--period", description = "daily, weekly, monthly or total.")
    String period;

    @Override
    int run(KeyAdmin admin) throws Exception {
      ObjectNode o = JSON.createObjectNode();
      if (budget != null) {
        o.put("budget_usd", budget);
      }
      if (period != null) {
        o.put("budget_period", period);
      }
      print(admin.view(admin.updateTeam(team, o)));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List teams.")
  static final class TeamList extends StoreCommand {
    @Override
    int run(KeyAdmin admin) throws Exception {
      if (json) {
        printJsonList(admin.teams().stream().map(admin::view).toList());
        return 0;
      }
      System.out.printf("%-22s %-24s %s%n", "ID", "NAME", "BUDGET");
      for (Team t : admin.teams()) {
        System.out.printf("%-22s %-24s %s%n", t.id(), t.name(), budget(t.budgetNanos(), t.budgetPeriod()));
      }
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a team with no keys.")
  static final class TeamDelete extends StoreCommand {
    @Parameters(paramLabel = "TEAM", description = "Team id or name.")
    String team;

    @Override
    int run(KeyAdmin admin) throws Exception {
      changed("deleted", admin.view(admin.deleteTeam(team)));
      return 0;
    }
  }
}
