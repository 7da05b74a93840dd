package dev.portcullis.limits;

import dev.portcullis.llm.Deployment;

/**
 * The price table in force, replaced whole by a configuration reload. A call is charged by the
 * table that was in force when it was admitted ({@link #now}), so a reload never reprices a call
 * in flight.
 */
public final class CurrentPrices implements PriceLookup {
  private volatile PriceTable table;

  public CurrentPrices(PriceTable table) {
    this.table = table;
  }

  /** Puts a reloaded configuration's prices in force for calls admitted from now on. */
  public void replace(PriceTable next) {
    table = next;
  }

  @Override
  public PriceLookup now() {
    return table;
  }

  @Override
  public PriceTable.Price price(Deployment d) {
    return table.price(d);
  }

  @Override
  public PriceTable.Price admissionPrice(String group) {
    return table.admissionPrice(group);
  }
}
