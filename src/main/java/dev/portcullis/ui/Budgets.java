package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** A key's or team's spend in its budget period against its budget, as a bar. */
final class Budgets {
  private Budgets() {
  }

  /** A meter of spend against budget, or the spend alone when there is no budget. */
  static String bar(JsonNode view) {
    JsonNode spend = view.get("spend");
    String period = KeysPage.text(view, "budget_period");
    BigDecimal spent = spend == null ? BigDecimal.ZERO
        : spend.path((period == null ? "month" : period) + "_usd").decimalValue();
    if (!view.hasNonNull("budget_usd")) {
      return "<span class=\"spend\">$" + esc(money(spent)) + (period == null ? " this month" : "") + "</span>";
    }
    BigDecimal budget = view.get("budget_usd").decimalValue();
    return "<meter min=\"0\" max=\"" + esc(budget.toPlainString()) + "\" value=\"" + esc(spent.toPlainString())
        + "\" high=\"" + esc(budget.multiply(new BigDecimal("0.8")).toPlainString()) + "\"></meter> "
        + "<span class=\"spend\">$" + esc(money(spent)) + " / $" + esc(money(budget)) + " per " + esc(period)
        + "</span>";
  }

  /** Dollars with cents; amounts under a cent (one cheap request) with up to six decimals, not as $0.00. */
  static String money(BigDecimal v) {
    if (v.signum() != 0 && v.abs().compareTo(new BigDecimal("0.01")) < 0) {
      return v.setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
    return v.setScale(2, RoundingMode.HALF_UP).toPlainString();
  }
}
