package dev.portcullis.limits;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
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

  /** Epoch millis at which the period containing {@code nowMillis} began (0 for TOTAL). */
  public long start(long nowMillis) {
    if (this == TOTAL) {
      return 0;
    }
    LocalDate d = Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC).toLocalDate();
    LocalDate s = switch (this) {
      case DAY -> d;
      case WEEK -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
      case MONTH -> d.withDayOfMonth(1);
      default -> throw new IllegalStateException();
    };
    return s.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  /** Epoch millis at which the period starting at {@code start} ends (Long.MAX_VALUE for TOTAL). */
  public long end(long start) {
    if (this == TOTAL) {
      return Long.MAX_VALUE;
    }
    LocalDate s = Instant.ofEpochMilli(start).atZone(ZoneOffset.UTC).toLocalDate();
    LocalDate e = switch (this) {
      case DAY -> s.plusDays(1);
      case WEEK -> s.plusWeeks(1);
      case MONTH -> s.plusMonths(1);
      default -> throw new IllegalStateException();
    };
    return e.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }
}
