package dev.portcullis.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.identity.KeySecrets;
import dev.portcullis.identity.Team;
import dev.portcullis.identity.VirtualKey;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.BudgetLedger;
import dev.portcullis.limits.Period;
import dev.portcullis.store.Store;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Managing virtual keys and teams, shared by the CLI and the admin REST API. Requests and
 * answers are JSON trees (snake_case). Blocking: call from a worker thread.
 */
public final class KeyAdmin {
  static final ObjectMapper JSON = new ObjectMapper();

  private final Store store;
  private final Runnable changed;
  private final BudgetLedger ledger;

  /**
   * @param changed run after every change (the gateway re-reads its key directory)
   * @param ledger the running gateway's spend, shown with each key, or null
   */
  public KeyAdmin(Store store, Runnable changed, BudgetLedger ledger) {
    this.store = store;
    this.changed = changed;
    this.ledger = ledger;
  }

  /** A key just made or rotated, with its secret (shown once, never stored). */
  public record Issued(VirtualKey key, String secret) {}

  /**
   * Creates a key from {@code name, team, owner, models, rpm, tpm, max_parallel, budget_usd,
   * budget_period, expires, metadata}.
   */
  public Issued create(JsonNode spec) {
    String name = text(spec, "name");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name: required");
    }
    if (store.keys().find(name).isPresent()) {
      throw new IllegalArgumentException("name: a key named '" + name + "' already exists");
    }
    long now = System.currentTimeMillis();
    String secret = KeySecrets.newSecret();
    VirtualKey base = new VirtualKey(KeySecrets.newId("key_"), name, KeySecrets.hash(secret),
        KeySecrets.displayPrefix(secret), null, null, List.of(), null, null, null, null, null, null, Map.of(),
        false, now, now);
    VirtualKey key = apply(base, spec, now);
    store.keys().insert(key);
    changed.run();
    return new Issued(key, secret);
  }

  /** Changes the fields present in {@code patch}; a JSON null removes a limit. */
  public VirtualKey update(String idOrName, JsonNode patch) {
    VirtualKey k = find(idOrName);
    long now = System.currentTimeMillis();
    VirtualKey updated = apply(k, patch, now);
    store.keys().update(updated);
    changed.run();
    return updated;
  }

  public Issued rotate(String idOrName) {
    VirtualKey k = find(idOrName);
    String secret = KeySecrets.newSecret();
    VirtualKey rotated = k.withSecret(KeySecrets.hash(secret), KeySecrets.displayPrefix(secret),
        System.currentTimeMillis());
    store.keys().update(rotated);
    changed.run();
    return new Issued(rotated, secret);
  }

  public VirtualKey setDisabled(String idOrName, boolean disabled) {
    VirtualKey k = find(idOrName).withDisabled(disabled, System.currentTimeMillis());
    store.keys().update(k);
    changed.run();
    return k;
  }

  public VirtualKey delete(String idOrName) {
    VirtualKey k = find(idOrName);
    store.keys().delete(k.id());
    changed.run();
    return k;
  }

  public VirtualKey find(String idOrName) {
    return store.keys().find(idOrName)
        .orElseThrow(() -> new NoSuchElementException("no key with id or name '" + idOrName + "'"));
  }

  public List<VirtualKey> list() {
    return store.keys().list();
  }

  /** Creates a team from {@code name, budget_usd, budget_period, metadata}. */
  public Team createTeam(JsonNode spec) {
    String name = text(spec, "name");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name: required");
    }
    if (store.keys().findTeam(name).isPresent()) {
      throw new IllegalArgumentException("name: a team named '" + name + "' already exists");
    }
    Team t = applyTeam(new Team(KeySecrets.newId("team_"), name, null, null, Map.of(),
        System.currentTimeMillis()), spec);
    store.keys().insertTeam(t);
    changed.run();
    return t;
  }

  public Team updateTeam(String idOrName, JsonNode patch) {
    Team t = applyTeam(findTeam(idOrName), patch);
    store.keys().updateTeam(t);
    changed.run();
    return t;
  }

  public Team deleteTeam(String idOrName) {
    Team t = findTeam(idOrName);
    for (VirtualKey k : store.keys().list()) {
      if (t.id().equals(k.teamId())) {
        throw new IllegalArgumentException("team '" + t.name() + "' still has keys (for example '" + k.name()
            + "'); delete or move them first");
      }
    }
    store.keys().deleteTeam(t.id());
    changed.run();
    return t;
  }

  public Team findTeam(String idOrName) {
    return store.keys().findTeam(idOrName)
        .orElseThrow(() -> new NoSuchElementException("no team with id or name '" + idOrName + "'"));
  }

  public List<Team> teams() {
    return store.keys().teams();
  }

  private static final java.util.Set<String> KEY_FIELDS = java.util.Set.of("name", "team", "owner", "models", "rpm",
      "tpm", "max_parallel", "budget_usd", "budget_period", "expires", "expires_at", "metadata", "disabled");
  private static final java.util.Set<String> TEAM_FIELDS = java.util.Set.of("name", "budget_usd", "budget_period",
      "metadata");

  /** A misspelt field must not quietly create a key without the limit that was meant. */
  private static void knownFields(JsonNode s, java.util.Set<String> known) {
    java.util.Iterator<String> names = s.fieldNames();
    while (names.hasNext()) {
      String f = names.next();
      if (!known.contains(f)) {
        throw new IllegalArgumentException(f + ": unknown field (expected one of " + new java.util.TreeSet<>(known) + ")");
      }
    }
  }

  private VirtualKey apply(VirtualKey k, JsonNode s, long now) {
    knownFields(s, KEY_FIELDS);
    String teamId = k.teamId();
    if (s.has("team")) {
      String team = text(s, "team");
      teamId = team == null || team.isBlank() ? null : teamFor(team).id();
    }
    Long budget = s.has("budget_usd") ? usdToNanos(s.get("budget_usd"), "budget_usd") : k.budgetNanos();
    String period = s.has("budget_period") ? periodOf(text(s, "budget_period")) : k.budgetPeriod();
    if (budget != null && period == null) {
      period = Period.TOTAL.word();
    }
    return new VirtualKey(k.id(), s.has("name") ? required(s, "name") : k.name(), k.keyHash(), k.keyPrefix(), teamId,
        s.has("owner") ? text(s, "owner") : k.owner(),
        s.has("models") ? models(s.get("models")) : k.models(),
        s.has("rpm") ? positiveInt(s, "rpm") : k.rpm(),
        s.has("tpm") ? positiveLong(s, "tpm") : k.tpm(),
        s.has("max_parallel") ? positiveInt(s, "max_parallel") : k.maxParallel(),
        budget, period,
        s.has("expires") ? expiry(s.get("expires"), now) : s.has("expires_at") ? expiry(s.get("expires_at"), now)
            : k.expiresAt(),
        s.has("metadata") ? metadata(s.get("metadata")) : k.metadata(),
        s.has("disabled") ? s.get("disabled").asBoolean() : k.disabled(), k.createdAt(), now);
  }

  private Team applyTeam(Team t, JsonNode s) {
    knownFields(s, TEAM_FIELDS);
    Long budget = s.has("budget_usd") ? usdToNanos(s.get("budget_usd"), "budget_usd") : t.budgetNanos();
    String period = s.has("budget_period") ? periodOf(text(s, "budget_period")) : t.budgetPeriod();
    if (budget != null && period == null) {
      period = Period.TOTAL.word();
    }
    return new Team(t.id(), s.has("name") ? required(s, "name") : t.name(), budget, period,
        s.has("metadata") ? metadata(s.get("metadata")) : t.metadata(), t.createdAt());
  }

  private Team teamFor(String idOrName) {
    return store.keys().findTeam(idOrName).orElseGet(() -> {
      Team t = new Team(KeySecrets.newId("team_"), idOrName, null, null, Map.of(), System.currentTimeMillis());
      store.keys().insertTeam(t);
      return t;
    });
  }

  /** The JSON view of a key (never its secret or hash), with its spend when the gateway runs. */
  public ObjectNode view(VirtualKey k) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", k.id()).put("object", "virtual_key").put("name", k.name()).put("key_prefix", k.keyPrefix());
    o.put("team_id", k.teamId());
    o.put("owner", k.owner());
    ArrayNode models = o.putArray("models");
    k.models().forEach(models::add);
    putNumber(o, "rpm", k.rpm());
    putNumber(o, "tpm", k.tpm());
    putNumber(o, "max_parallel", k.maxParallel());
    o.put("budget_usd", k.budgetNanos() == null ? null : new BigDecimal(Accountant.usd(k.budgetNanos())));
    o.put("budget_period", periodWord(k.budgetPeriod()));
    o.put("expires_at", k.expiresAt() == null ? null : Instant.ofEpochMilli(k.expiresAt()).toString());
    ObjectNode meta = o.putObject("metadata");
    k.metadata().forEach(meta::put);
    o.put("disabled", k.disabled());
    o.put("created_at", Instant.ofEpochMilli(k.createdAt()).toString());
    o.put("updated_at", Instant.ofEpochMilli(k.updatedAt()).toString());
    spend(o, BudgetLedger.KEY, k.id(), k.budgetPeriod());
    return o;
  }

  public ObjectNode view(Team t) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", t.id()).put("object", "team").put("name", t.name());
    o.put("budget_usd", t.budgetNanos() == null ? null : new BigDecimal(Accountant.usd(t.budgetNanos())));
    o.put("budget_period", periodWord(t.budgetPeriod()));
    ObjectNode meta = o.putObject("metadata");
    t.metadata().forEach(meta::put);
    o.put("created_at", Instant.ofEpochMilli(t.createdAt()).toString());
    spend(o, BudgetLedger.TEAM, t.id(), t.budgetPeriod());
    return o;
  }

  private void spend(ObjectNode o, String scope, String id, String period) {
    if (ledger == null) {
      return;
    }
    long now = System.currentTimeMillis();
    BudgetLedger.Account a = ledger.find(scope, id);
    Period p = Period.parse(period);
    ObjectNode s = o.putObject("spend");
    for (Period each : Period.ALL) {
      s.put(each.id() + "_usd", new BigDecimal(Accountant.usd(a == null ? 0 : a.spent(each, now))));
    }
    s.put("reserved_usd", new BigDecimal(Accountant.usd(a == null ? 0 : a.reserved())));
    if (p != null) {
      s.put("period", p.word());
    }
  }

  private static void putNumber(ObjectNode o, String field, Number n) {
    if (n == null) {
      o.putNull(field);
    } else {
      o.put(field, n.longValue());
    }
  }

  static String text(JsonNode s, String field) {
    JsonNode v = s.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String required(JsonNode s, String field) {
    String v = text(s, field);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(field + ": must not be empty");
    }
    return v;
  }

  private static Integer positiveInt(JsonNode s, String field) {
    Long v = positiveLong(s, field);
    if (v != null && v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(field + ": too large");
    }
    return v == null ? null : v.intValue();
  }

  private static Long positiveLong(JsonNode s, String field) {
    JsonNode v = s.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    // 1.5 or 1e300 must not become 1 or 2^63-1 silently: only whole numbers that fit are taken
    boolean whole = v.isTextual() ? v.asText().matches("\\d{1,18}") : v.isIntegralNumber() && v.canConvertToLong();
    if (!whole) {
      throw new IllegalArgumentException(field + ": must be a positive whole number (at most 18 digits), got "
          + v.asText());
    }
    long n = v.isTextual() ? Long.parseLong(v.asText()) : v.longValue();
    if (n <= 0) {
      throw new IllegalArgumentException(field + ": must be positive, got " + n);
    }
    return n;
  }

  static Long usdToNanos(JsonNode v, String field) {
    if (v == null || v.isNull()) {
      return null;
    }
    try {
      BigDecimal usd = new BigDecimal(v.asText());
      if (usd.signum() < 0) {
        throw new IllegalArgumentException(field + ": must not be negative");
      }
      // checked before scaling: rescaling 1e999999999 (or 1e-999999999) would compute a billion-digit number
      if (usd.precision() - usd.scale() > 10 || usd.scale() > 18) {
        throw new IllegalArgumentException(field + ": must be at most 9223372036.854775807 with at most 18"
            + " decimals, got " + v.asText());
      }
      return usd.movePointRight(9).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(field + ": not an amount of US dollars: " + v.asText());
    }
  }

  private static String periodOf(String s) {
    Period p = Period.parse(s);
    return p == null ? null : p.word();
  }

  /** A stored period as users write it (rows stored before 0.1 hold day, week or month). */
  public static String periodWord(String stored) {
    return periodOf(stored);
  }

  static List<String> models(JsonNode v) {
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (v.isArray()) {
      v.forEach(m -> out.add(m.asText().trim()));
    } else {
      for (String m : v.asText().split(",")) {
        out.add(m.trim());
      }
    }
    out.removeIf(String::isEmpty);
    for (String m : out) {
      if (m.contains(",")) {
        throw new IllegalArgumentException("models: a model name cannot contain a comma: " + m);
      }
    }
    return out;
  }

  private static Map<String, String> metadata(JsonNode v) {
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      throw new IllegalArgumentException("metadata: must be an object of strings");
    }
    Iterator<Map.Entry<String, JsonNode>> it = v.fields();
    while (it.hasNext()) {
      var e = it.next();
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /** Epoch millis from an ISO instant, an ISO date, a duration from now (30d, 12h, 15m), or epoch millis. */
  static Long expiry(JsonNode v, long now) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isNumber()) {
      return v.asLong();
    }
    String s = v.asText().trim().toLowerCase(Locale.ROOT);
    try {
      if (s.matches("\\d+[smhdw]")) {
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        Duration d = switch (s.charAt(s.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          case 'd' -> Duration.ofDays(n);
          default -> Duration.ofDays(7 * n);
        };
        return now + d.toMillis();
      }
      if (s.matches("\\d{4}-\\d{2}-\\d{2}")) {
        return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      return Instant.parse(v.asText().trim()).toEpochMilli();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("expires: expected an ISO date or instant, or a duration like 30d,"
          + " got '" + v.asText() + "'");
    }
  }
}
