package dev.portcullis.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.config.GatewayConfig.StoreConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Store commands skip Flyway only when the schema is at the jar's newest migration. */
class SchemaVersionTest {
  @TempDir
  Path dir;

  @Test
  void aFreshStoreIsMigratedAndThenKnownToBeCurrent() throws Exception {
    StoreConfig config = new StoreConfig("jdbc:sqlite:" + dir.resolve("s.db"), null, null, null, null, null, null);
    try (Store store = Store.open(config)) {
      assertThat(SchemaVersion.current(store.dataSource())).isTrue();
      assertThat(store.keys().list()).isEmpty();
      try (Connection c = store.dataSource().getConnection(); Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE flyway_schema_history SET success = 0 WHERE installed_rank = "
            + "(SELECT MAX(installed_rank) FROM flyway_schema_history)");
      }
      assertThat(SchemaVersion.current(store.dataSource())).as("a failed migration").isFalse();
    }
  }

  @Test
  void versionsCompareNumericallyAndAnEmptyDatabaseIsNotCurrent() {
    StoreConfig config = new StoreConfig("jdbc:sqlite:" + dir.resolve("e.db"), null, null, null, null, null, null);
    try (Store store = Store.open(config)) {
      assertThat(SchemaVersion.newestInJar()).isPresent();
      assertThat(SchemaVersion.compare(SchemaVersion.parse("17"), SchemaVersion.parse("9"))).isPositive();
      assertThat(SchemaVersion.compare(SchemaVersion.parse("1.2"), SchemaVersion.parse("1_2"))).isZero();
    }
    StoreConfig empty = new StoreConfig("jdbc:sqlite:" + dir.resolve("none.db"), null, null, null, null, null, null);
    com.zaxxer.hikari.HikariDataSource ds = new com.zaxxer.hikari.HikariDataSource();
    ds.setJdbcUrl(empty.url());
    try (ds) {
      assertThat(SchemaVersion.current(ds)).isFalse();
    }
  }
}
