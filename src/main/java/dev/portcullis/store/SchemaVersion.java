package dev.portcullis.store;

import java.io.File;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Whether a database's schema is already at the newest migration the jar carries, found without
 * Flyway: loading and validating Flyway costs a short CLI command about a second, and a store
 * that a gateway has started on is current. Anything unexpected answers "not current", so the
 * caller falls back to a full Flyway migrate.
 */
final class SchemaVersion {
  static final String LOCATION = "db/migration";
  private static final Pattern MIGRATION = Pattern.compile("(?:^|/)V(\\d+(?:[._]\\d+)*)__[^/]*\\.sql$");
  /** Flyway's default history table. */
  private static final String HISTORY = "flyway_schema_history";

  private SchemaVersion() {}

  static boolean current(DataSource ds) {
    Optional<int[]> newest = newestInJar();
    if (newest.isEmpty()) {
      return false;
    }
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT version, success FROM " + HISTORY + " WHERE version IS NOT NULL")) {
      int[] applied = null;
      while (r.next()) {
        if (!r.getBoolean(2)) {
          return false; // a failed migration: let Flyway report it
        }
        int[] v = parse(r.getString(1));
        if (applied == null || compare(v, applied) > 0) {
          applied = v;
        }
      }
      return applied != null && compare(applied, newest.get()) == 0;
    } catch (SQLException | NumberFormatException e) {
      return false; // no history table yet, or one we do not understand
    }
  }

  /** The highest migration version on the class path, if the migrations can be listed. */
  static Optional<int[]> newestInJar() {
    URL url = SchemaVersion.class.getClassLoader().getResource(LOCATION);
    if (url == null) {
      return Optional.empty();
    }
    List<String> names = new ArrayList<>();
    try {
      URLConnection conn = url.openConnection();
      if (conn instanceof JarURLConnection jar) {
        conn.setUseCaches(false);
        try (JarFile file = jar.getJarFile()) {
          for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
            String n = e.nextElement().getName();
            if (n.startsWith(LOCATION + "/")) {
              names.add(n);
            }
          }
        }
      } else if ("file".equals(url.getProtocol())) {
        String[] files = new File(url.toURI()).list();
        if (files != null) {
          names.addAll(Arrays.asList(files));
        }
      }
    } catch (IOException | URISyntaxException e) {
      return Optional.empty();
    }
    int[] newest = null;
    for (String n : names) {
      Matcher m = MIGRATION.matcher(n);
      if (m.find()) {
        int[] v = parse(m.group(1));
        if (newest == null || compare(v, newest) > 0) {
          newest = v;
        }
      }
    }
    return Optional.ofNullable(newest);
  }

  static int[] parse(String version) {
    return Arrays.stream(version.split("[._]")).mapToInt(Integer::parseInt).toArray();
  }

  static int compare(int[] a, int[] b) {
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      int d = Integer.compare(i < a.length ? a[i] : 0, i < b.length ? b[i] : 0);
      if (d != 0) {
        return d;
      }
    }
    return 0;
  }
}
