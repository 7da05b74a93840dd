package dev.portcullis.identity.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The at-rest encryption of connection records: AES-GCM, a fresh nonce each time, bound to upstream and user. */
class TokenCipherTest {
  final TokenCipher cipher = new TokenCipher("a long random passphrase for the tests");

  @Test
  void roundTripsWithAFreshNonceAndNoPlaintext() {
    String a = cipher.encrypt("github", "user:alice@idp", "{\"access_token\":\"gho_secret\"}");
    String b = cipher.encrypt("github", "user:alice@idp", "{\"access_token\":\"gho_secret\"}");
    assertThat(a).startsWith("v1:").doesNotContain("gho_secret").isNotEqualTo(b);
    assertThat(cipher.decrypt("github", "user:alice@idp", a)).isEqualTo("{\"access_token\":\"gho_secret\"}");
  }

  @Test
  void aRecordMovedToAnotherUserOrUpstreamOrAlteredOrUnderAnotherKeyDoesNotDecrypt() {
    String sealed = cipher.encrypt("github", "user:alice@idp", "secret");
    assertThatThrownBy(() -> cipher.decrypt("github", "user:bob@idp", sealed))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cipher.decrypt("jira", "user:alice@idp", sealed))
        .isInstanceOf(IllegalArgumentException.class);
    int at = sealed.length() - 10; // inside the ciphertext, away from the padding bits of the last character
    String altered = sealed.substring(0, at) + (sealed.charAt(at) == 'A' ? 'B' : 'A') + sealed.substring(at + 1);
    assertThatThrownBy(() -> cipher.decrypt("github", "user:alice@idp", altered))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenCipher("another passphrase entirely").decrypt("github", "user:alice@idp",
        sealed)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cipher.decrypt("github", "user:alice@idp", "plaintext"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
