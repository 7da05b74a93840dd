package dev.portcullis.ui;

import dev.portcullis.config.GatewayConfig.ConsoleMembersConfig;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which console role an IdP user has: admin when a group or the e-mail address is listed under
 * {@code admins}, read-only when under {@code readers}, none otherwise. An address counts only
 * when the IdP does not say it is unverified ({@code email_verified: false}): anyone can type an
 * address into a self-service account.
 */
final class OidcMembers {
  private final ConsoleMembersConfig admins;
  private final ConsoleMembersConfig readers;

  OidcMembers(ConsoleMembersConfig admins, ConsoleMembersConfig readers) {
    this.admins = admins;
    this.readers = readers;
  }

  /** The role of the user with these ID token claims (as {@code UpstreamIdp.Identity} holds them), or null. */
  Role roleOf(Map<String, Object> claims) {
    String email = verifiedEmail(claims);
    List<String> groups = groups(claims.get("groups"));
    if (member(admins, email, groups)) {
      return Role.ADMIN;
    }
    if (member(readers, email, groups)) {
      return Role.READ_ONLY;
    }
    return null;
  }

  private static boolean member(ConsoleMembersConfig m, String email, List<String> groups) {
    if (email != null && m.emails().stream().anyMatch(e -> e.toLowerCase(Locale.ROOT).equals(email))) {
      return true;
    }
    return groups.stream().anyMatch(m.groups()::contains);
  }

  private static String verifiedEmail(Map<String, Object> claims) {
    Object email = claims.get("email");
    Object verified = claims.get("email_verified"); // some IdPs (Cognito) send it as a string
    if (!(email instanceof String e) || e.isBlank() || Boolean.FALSE.equals(verified) || "false".equals(verified)) {
      return null;
    }
    return e.toLowerCase(Locale.ROOT);
  }

  /** Group names from the groups claim: a list of names, or one name. */
  private static List<String> groups(Object claim) {
    if (claim instanceof Collection<?> c) {
      return c.stream().filter(String.class::isInstance).map(String.class::cast).toList();
    }
    return claim instanceof String s ? List.of(s) : List.of();
  }
}
