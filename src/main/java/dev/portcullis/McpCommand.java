package dev.portcullis;

import dev.portcullis.mcp.openapi.ImportOpenApiCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code portcullis mcp ...}: tools for the MCP gateway's configuration. */
@Command(name = "mcp", mixinStandardHelpOptions = true, description = "Work with the MCP gateway's servers.",
    subcommands = {dev.portcullis.mcp.ImportServersCommand.class, ImportOpenApiCommand.class,
        CommandLine.HelpCommand.class})
final class McpCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
