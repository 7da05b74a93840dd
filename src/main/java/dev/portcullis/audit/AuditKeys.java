package dev.portcullis.audit;

import dev.portcullis.config.AuditConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail's two keys, from the {@code audit} section: the chain key (HMAC of every event)
 * and the checkpoint signing key (ES256). Each is given inline (usually {@code ${ENV}}) or as
 * {@code file:PATH}. Left out with a SQLite store, they live in files beside the database file
 * ({@code audit-chain.key}, {@code audit-checkpoint.jwk}); a PostgreSQL store needs them set, so
 * that every replica uses the same keys. A missing key file is created (mode 0600) only when the
 * trail has no keyed events yet: a lost key is reported, never silently replaced.
 */
public final class AuditKeys {
  private static final Logger LOG = LoggerFactory.getLogger(AuditKeys.class);
  static final String FILE_PREFIX = "file:";
  static final String CHAIN_KEY_FILE = "audit-chain.key";
  static final String CHECKPOINT_KEY_FILE = "audit-checkpoint.jwk";

  private final ChainKeys chain;
  private final CheckpointSigner signer;

  private AuditKeys(ChainKeys chain, CheckpointSigner signer) {
    this.chain = chain;
    this.signer = signer;
  }

  /**
   * @param storeUrl the store's JDBC URL (a SQLite store keeps default key files beside its file)
   * @param mayCreate whether missing key files may be created (the gateway, on a trail without
   *     keyed events); {@code audit verify} never creates keys
   * @throws AuditKeyException when a key is missing or unusable
   */
  public static AuditKeys resolve(AuditConfig config, String storeUrl, boolean mayCreate) {
    String chainRef = config.chainKey() != null ? config.chainKey() : defaultFile(storeUrl, CHAIN_KEY_FILE,
        "audit.chain_key");
    String signRef = config.checkpoints().signingKey() != null ? config.checkpoints().signingKey()
        : defaultFile(storeUrl, CHECKPOINT_KEY_FILE, "audit.checkpoints.signing_key");
    String chainText = read("audit.chain_key", chainRef, mayCreate, AuditKeys::newChainKey);
    String signText = read("audit.checkpoints.signing_key", signRef, mayCreate, CheckpointSigner::generateJwk);
    try {
      List<ChainKey> previous = new ArrayList<>();
      for (String p : config.previousChainKeys()) {
        previous.add(ChainKey.of(read("audit.previous_chain_keys", p, false, null)));
      }
      List<String> previousPublic = new ArrayList<>();
      for (String p : config.checkpoints().previousPublicKeys()) {
        previousPublic.add(read("audit.checkpoints.previous_public_keys", p, false, null));
      }
      return new AuditKeys(new ChainKeys(ChainKey.of(chainText), previous),
          CheckpointSigner.fromJwk(signText, previousPublic));
    } catch (IllegalArgumentException e) {
      throw new AuditKeyException(e.getMessage());
    }
  }

  public ChainKeys chain() {
    return chain;
  }

  public CheckpointSigner signer() {
    return signer;
  }

  /** {@code file:DIR/NAME} beside a SQLite store's file. */
  private static String defaultFile(String storeUrl, String name, String field) {
    String prefix = "jdbc:sqlite:";
    if (storeUrl == null || !storeUrl.startsWith(prefix)) {
      throw new AuditKeyException(field + " is not set: with a PostgreSQL store every replica needs the same key "
          + "(set it from your secret store, e.g. ${AUDIT_CHAIN_KEY}, or file:PATH)");
    }
    String path = storeUrl.substring(prefix.length());
    int q = path.indexOf('?');
    path = q >= 0 ? path.substring(0, q) : path;
    if (path.isEmpty() || path.startsWith(":memory:") || path.startsWith("file:")) {
      throw new AuditKeyException(field + " is not set, and the store has no directory to keep a key file in");
    }
    Path dir = Path.of(path).toAbsolutePath().getParent();
    return FILE_PREFIX + dir.resolve(name);
  }

  private interface Generator {
    String generate();
  }

  /** The key's text: inline, or the content of {@code file:PATH} (created when allowed and missing). */
  private static String read(String field, String ref, boolean mayCreate, Generator generator) {
    if (!ref.startsWith(FILE_PREFIX)) {
      return ref;
    }
    Path file = Path.of(ref.substring(FILE_PREFIX.length())).toAbsolutePath();
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      if (!mayCreate || generator == null) {
        throw new AuditKeyException(field + ": the key file " + file + " does not exist; if the audit trail was "
            + "chained or checkpointed with it, restore it from your backup (a new key cannot verify what the old "
            + "one made); a gateway creates it only on its first start with an empty trail");
      }
      return create(field, file, generator.generate());
    } catch (IOException e) {
      throw new AuditKeyException(field + ": cannot read the key file " + file + ": " + e.getMessage());
    }
  }

  private static String create(String field, Path file, String content) {
    try {
      Files.createDirectories(file.getParent());
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE)));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file); // not a POSIX file system: the directory's permissions protect it
      }
      Files.writeString(file, content + "\n", StandardCharsets.UTF_8);
    } catch (FileAlreadyExistsException e) {
      return readExisting(field, file); // another process created it first
    } catch (IOException e) {
      throw new AuditKeyException(field + ": cannot create the key file " + file + ": " + e.getMessage());
    }
    LOG.atWarn().addKeyValue("file", file.toString()).log("{}: created a new key file {} (mode 0600). Back it up: "
        + "audit verify needs it. In production set {} from a secret store instead, off the database host.",
        field, file, field);
    return content;
  }

  private static String readExisting(String field, Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new AuditKeyException(field + ": cannot read the key file " + file + ": " + e.getMessage());
    }
  }

  /** A new chain key: 32 random bytes in base64. */
  public static String newChainKey() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }
}
