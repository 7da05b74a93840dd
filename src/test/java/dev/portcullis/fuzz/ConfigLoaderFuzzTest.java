package dev.portcullis.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The config loader reads files an operator wrote, sometimes badly: whatever the bytes, it
 * either returns a validated config or throws {@link ConfigException} (which `config check` and
 * `serve` print as file, field and reason). Any other exception would reach the user as a stack
 * trace.
 */
class ConfigLoaderFuzzTest {
  private static final ConfigLoader LOADER = new ConfigLoader();

  @FuzzTest(maxDuration = "20s")
  void anyFileLoadsOrFailsWithAConfigError(byte[] yaml) throws Exception {
    Path file = Files.createTempFile("portcullis-fuzz", ".yaml");
    try {
      Files.write(file, yaml);
      LOADER.load(file);
    } catch (ConfigException expected) {
      // the one way a bad file may fail
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
