package dev.portcullis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.ConfigWarnings;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.demo.DemoProvider;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code portcullis} command line. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, version = "portcullis 0.1.0",
    description = "An open AI gateway: LLM proxy and MCP gateway.",
    subcommands = {Main.Serve.class, Main.ConfigCommand.class, Main.DemoUpstream.class,
        KeysCommand.Keys.class, KeysCommand.Teams.class, McpCommand.class, AuditCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  static final int CONFIG_ERROR = 2;
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The configuration used without --config: bin/portcullis names the demo config of its own
   * checkout (so it runs from any directory); otherwise examples/demo.yaml where the JVM runs.
   */
  static final String DEFAULT_CONFIG = "${sys:portcullis.default.config:-examples/demo.yaml}";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway.")
  static final class Serve implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(Serve.class);

    @Option(names = "--config", defaultValue = DEFAULT_CONFIG, paramLabel = "FILE",
        description = "Configuration file (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--port", description = "Port to listen on (overrides server.port; 0 picks a free one).")
    Integer port;

    @Option(names = "--event-loops", description = "Event loops serving requests (default: number of cores).")
    Integer eventLoops;

    @Override
    public Integer call() throws Exception {
      GatewayConfig cfg;
      try {
        cfg = new ConfigLoader().load(config);
      } catch (ConfigException e) {
        System.err.println(e.getMessage());
        return CONFIG_ERROR;
      }
      ConfigWarnings.of(cfg).forEach(w -> LOG.warn("{}: {}", config, w));
      int loops = eventLoops != null ? eventLoops : Runtime.getRuntime().availableProcessors();
      int listen = port != null ? port : cfg.server().port();
      Gateway gateway;
      try {
        gateway = Gateway.start(config, cfg, listen, loops);
      } catch (java.net.BindException e) {
        System.err.println("cannot listen on " + cfg.server().host() + ":" + listen + " (" + e.getMessage()
            + "); pick another port with --port N or server.port");
        return 1;
      } catch (dev.portcullis.audit.AuditKeyException | ConfigException e) {
        System.err.println(e.getMessage());
        return CONFIG_ERROR;
      }
      LOG.atInfo().addKeyValue("host", cfg.server().host()).addKeyValue("port", gateway.port())
          .addKeyValue("config", config.toString()).addKeyValue("transport", gateway.transport())
          .log("portcullis listening on http://" + cfg.server().host() + ":" + gateway.port());
      HangupSignal.install(gateway.reloader()); // SIGHUP reloads the configuration instead of stopping
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        LOG.info("portcullis shutting down");
        try {
          gateway.close();
        } catch (Exception e) {
          LOG.warn("error during shutdown", e);
        }
        stopped.countDown();
      }));
      stopped.await();
      return 0;
    }
  }

  @Command(name = "config", mixinStandardHelpOptions = true, description = "Work with configuration files.",
      subcommands = {ConfigCommand.Check.class, CommandLine.HelpCommand.class})
  static final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a configuration file without serving; exit 2 when it is invalid.")
    static final class Check implements Callable<Integer> {
      @Parameters(paramLabel = "FILE", arity = "0..1", description = "Configuration file to check.")
      Path file;

      @Option(names = "--config", paramLabel = "FILE", description = "The same, as an option (like serve's).")
      Path config;

      @Option(names = "--json", description = "Print the result as JSON on stdout: {\"file\", \"valid\", "
          + "\"problems\": [...], \"warnings\": [...]} (and the counts when valid); the exit code is the same.")
      boolean json;

      @Option(names = "--fetch-specs", description = "Also read every openapi server's description (spec) as serve"
          + " does: remote ones fetched through the same SSRF guard (allow_private_addresses), time-out and size"
          + " limits, then parsed and mapped to tools; one that cannot be is a problem. Without it, check uses no"
          + " network.")
      boolean fetchSpecs;

      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() throws Exception {
        if ((file == null) == (config == null)) {
          throw new CommandLine.ParameterException(spec.commandLine(), "give one configuration file: FILE or --config FILE");
        }
        Path file = this.file != null ? this.file : config;
        GatewayConfig cfg;
        try {
          cfg = new ConfigLoader().load(file);
          java.util.List<String> specs = fetchSpecs
              ? dev.portcullis.mcp.openapi.SpecCheck.problems(cfg.mcp().servers()) : java.util.List.of();
          if (!specs.isEmpty()) {
            throw new ConfigException(file.toString(), specs);
          }
        } catch (ConfigException e) {
          if (json) {
            ObjectNode out = JSON.createObjectNode().put("file", file.toString()).put("valid", false);
            e.problems().forEach(out.putArray("problems")::add);
            out.putArray("warnings");
            System.out.println(JSON.writeValueAsString(out));
          } else {
            System.err.println(e.getMessage());
          }
          return CONFIG_ERROR;
        }
        long deployments = cfg.models().values().stream().mapToLong(g -> g.deployments().size()).sum();
        java.util.List<String> warnings = ConfigWarnings.of(cfg);
        if (json) {
          ObjectNode out = JSON.createObjectNode().put("file", file.toString()).put("valid", true)
              .put("model_groups", cfg.models().size()).put("deployments", deployments)
              .put("mcp_servers", cfg.mcp().servers().size());
          out.putArray("problems");
          warnings.forEach(out.putArray("warnings")::add);
          System.out.println(JSON.writeValueAsString(out));
          return 0;
        }
        System.out.println(file + ": OK (" + cfg.models().size() + " model groups, " + deployments
            + " deployments, " + cfg.mcp().servers().size() + " MCP servers)");
        warnings.forEach(w -> System.err.println("warning: " + file + ": " + w));
        return 0;
      }
    }
  }

  @Command(name = "demo-upstream", mixinStandardHelpOptions = true,
      description = "Run only the built-in demo provider (an OpenAI-compatible server), e.g. as a benchmark upstream.")
  static final class DemoUpstream implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1",
        description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "9090", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--event-loops", description = "Event loops (default: number of cores).")
    Integer eventLoops;

    @Override
    public Integer call() throws Exception {
      int loops = eventLoops != null ? eventLoops : Runtime.getRuntime().availableProcessors();
      Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true));
      TokenCounter tokens = new TokenCounter();
      tokens.awaitVocabularies();
      for (int i = 0; i < loops; i++) {
        dev.portcullis.app.Components.await(new DemoProvider(tokens).start(vertx, host, port));
      }
      System.out.println("demo provider listening on http://" + host + ":" + port + "/v1");
      new CountDownLatch(1).await();
      return 0;
    }
  }
}
