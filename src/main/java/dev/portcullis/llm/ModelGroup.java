package dev.portcullis.llm;

import java.util.List;

/** A model name clients ask for, the deployments that serve it, and where to go when they cannot. */
public record ModelGroup(String name, Strategy strategy, List<Deployment> deployments, List<String> fallbacks) {

  /** How the router spreads requests over a group's deployments. */
  public enum Strategy {
    WEIGHTED,
    LEAST_BUSY;

    static Strategy of(String configName) {
      return configName.equals("least_busy") ? LEAST_BUSY : WEIGHTED;
    }
  }
}
