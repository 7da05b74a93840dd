package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portcullis config check} refuses an administrator key that is also a client key (the
 * client could approve its own held calls), and says where without printing the key.
 */
class AdminKeysConfigCheckTest {
  @TempDir
  Path dir;

  @Test
  void aClientKeyCannotAlsoBeAnAdministratorKey() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, """
        clients:
          keys: [sk-client-one-000000000000, sk-admin-shared-0000000000, sk-reader-shared-000000000]
        admin:
          key: sk-admin-shared-0000000000
          read_only_keys: [sk-reader-shared-000000000, sk-admin-shared-0000000000]
        """);
    String err = ConfigCheckTest.assertInvalid(f,
        "clients.keys[1]: the same as admin.key; a client key must not be an administrator key",
        "clients.keys[1]: the same as admin.read_only_keys[1]",
        "clients.keys[2]: the same as admin.read_only_keys[0]",
        "admin.read_only_keys[1]: the same as admin.key");
    assertThat(err).doesNotContain("sk-admin-shared").doesNotContain("sk-reader-shared");
  }

  @Test
  void separateKeysAreAccepted() throws Exception {
    Path f = dir.resolve("ok.yaml");
    Files.writeString(f, """
        mcp:
          servers:
            crm: { type: builtin }
        clients:
          keys: [sk-client-one-000000000000]
        admin:
          key: sk-admin-only-000000000000
          read_only_keys: [sk-reader-only-00000000000]
        """);
    dev.portcullis.testing.Cli.Run r = ConfigCheckTest.check(f);
    assertThat(r.exit()).as(r.err()).isZero();
  }
}
