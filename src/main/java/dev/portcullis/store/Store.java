package dev.portcullis.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.portcullis.config.GatewayConfig.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The durable store: a pooled JDBC data source (SQLite file or PostgreSQL), migrated with
 * Flyway when opened, and the repositories over it. Every method here blocks: call it from a
 * worker thread, never from an event loop.
 */
public final class Store implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final boolean sqlite;
  private final KeyRepository keys;
  private final UsageRepository usage;

  private Store(HikariDataSource dataSource, boolean sqlite) {
    this.dataSource = dataSource;
    this.sqlite = sqlite;
    this.keys = new KeyRepository(dataSource);
    this.usage = new UsageRepository(dataSource);
  }

  /**
   * Opens the store and brings its schema up to date. When the schema is already at the jar's
   * newest migration (every start but the first after an upgrade), Flyway is not loaded at all:
   * loading it and validating every migration cost a store command about a second and the
   * gateway's start-up about a fifth of its CPU time. Otherwise Flyway migrates (and validates what was
   * applied before).
   */
  public static Store open(StoreConfig config) {
    String url = config.url();
    boolean sqlite = url.startsWith("jdbc:sqlite:");
    if (!sqlite && !url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("store.url must be jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB, got "
          + url);
    }
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(url);
    hc.setPoolName("portcullis-store");
    hc.setMaximumPoolSize(config.poolSize());
    hc.setMinimumIdle(1);
    if (config.user() != null) {
      hc.setUsername(config.user());
    }
    if (config.password() != null) {
      hc.setPassword(config.password());
    }
    if (sqlite) {
      createParent(url.substring("jdbc:sqlite:".length()));
      hc.addDataSourceProperty("journal_mode", "WAL");
      hc.addDataSourceProperty("synchronous", "NORMAL"); // WAL + NORMAL: survives a killed process
      hc.addDataSourceProperty("busy_timeout", "10000");
      hc.addDataSourceProperty("foreign_keys", "true");
    }
    HikariDataSource ds = new HikariDataSource(hc);
    try {
      if (!SchemaVersion.current(ds)) {
        Flyway.configure().dataSource(ds).locations("classpath:" + SchemaVersion.LOCATION).load().migrate();
      }
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return new Store(ds, sqlite);
  }

  private static void createParent(String file) {
    int q = file.indexOf('?');
    String path = q >= 0 ? file.substring(0, q) : file;
    if (path.isEmpty() || path.startsWith(":memory:") || path.startsWith("file:")) {
      return;
    }
    Path parent = Path.of(path).toAbsolutePath().getParent();
    try {
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of the store file " + path, e);
    }
  }

  public KeyRepository keys() {
    return keys;
  }

  public UsageRepository usage() {
    return usage;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public boolean sqlite() {
    return sqlite;
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
