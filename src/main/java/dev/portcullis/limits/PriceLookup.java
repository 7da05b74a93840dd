package dev.portcullis.limits;

import dev.portcullis.llm.Deployment;

/** Where the {@link Accountant} gets prices: the {@link PriceTable}. */
public interface PriceLookup {
  /** The price of a call answered by deployment {@code d}. */
  PriceTable.Price price(Deployment d);

  /** The highest price (and output limit) any deployment of the model group may charge: what reservations use. */
  PriceTable.Price admissionPrice(String group);

  /** The prices in force now, fixed: what a call admitted now is reserved and charged by. */
  default PriceLookup now() {
    return this;
  }
}
