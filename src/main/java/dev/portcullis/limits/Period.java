package dev.portcullis.limits;

import java.time.LocalDate;
import java.util.Locale;

/** A budget period; periods start at midnight UTC (weeks on Monday, months on the 1st). */
public enum Period {
  DAY, WEEK, MONTH, TOTAL;

  public static final Period[] ALL = values();

  /** Parses day/daily, week/weekly, month/monthly, total/lifetime; null for null. */
  public static Period parse(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "day", "daily" -> DAY;
      case "week", "weekly" -> WEEK;
      case "month", "monthly" -> MONTH;
      case "total", "lifetime", "none" -> TOTAL;
      default -> throw new IllegalArgumentException(
          "unknown budget period '" + s + "' (expected daily, weekly, monthly or total)");
    };
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The word users set a budget with (daily, weekly, monthly, total): what is stored and echoed
   * for a key's or team's budget period, so {@code --period monthly} reads back as monthly.
   */
  public String word() {
    return switch (this) {
      case DAY -> "daily";
      case WEEK -> "weekly";
      case MONTH -> "monthly";
      case TOTAL -> "total";
    };
  }

  // Day arithmetic on epoch millis rather than through time zones: every governed request asks
  // for the start of its budget periods, and these are all UTC days (1970-01-01 was a Thursday).
  static final long DAY_MILLIS = 86_400_000L;
  private static final int THURSDAY_FROM_MONDAY = 3;

  /** Epoch millis at which the period containing {@code nowMillis} began (0 for TOTAL). */
  public long start(long nowMillis) {
    long day = Math.floorDiv(nowMillis, DAY_MILLIS);
    return switch (this) {
      case DAY -> day * DAY_MILLIS;
      case WEEK -> (day - Math.floorMod(day + THURSDAY_FROM_MONDAY, 7)) * DAY_MILLIS;
      case MONTH -> LocalDate.ofEpochDay(day).withDayOfMonth(1).toEpochDay() * DAY_MILLIS;
      case TOTAL -> 0;
    };
  }

  /** Epoch millis at which the period starting at {@code start} ends (Long.MAX_VALUE for TOTAL). */
  public long end(long start) {
    return switch (this) {
      case DAY -> start + DAY_MILLIS;
      case WEEK -> start + 7 * DAY_MILLIS;
      case MONTH -> LocalDate.ofEpochDay(Math.floorDiv(start, DAY_MILLIS)).plusMonths(1).toEpochDay() * DAY_MILLIS;
      case TOTAL -> Long.MAX_VALUE;
    };
  }
}
