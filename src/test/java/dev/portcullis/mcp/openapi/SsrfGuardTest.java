package dev.portcullis.mcp.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.OpenApiConfig.PrivateAccess;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which addresses a REST call may reach, checked on resolved addresses. */
class SsrfGuardTest {
  final SsrfGuard strict = new SsrfGuard(PrivateAccess.NONE);

  @Test
  void internalAddressesAreRefused() {
    for (String host : List.of("127.0.0.1", "169.254.169.254", "[::1]", "::1", "10.1.2.3", "172.16.0.1",
        "192.168.1.1", "0.0.0.0", "100.64.0.1", "[fd00::1]", "[fe80::1]", "[::ffff:127.0.0.1]",
        "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]", "224.0.0.1", "2130706433")) {
      assertThatThrownBy(() -> strict.resolve(host)).as(host).isInstanceOf(SsrfGuard.Refused.class)
          .hasMessageContaining("allow_private_addresses");
    }
  }

  @Test
  void aHostnameResolvingToLoopbackIsRefused() {
    assertThatThrownBy(() -> strict.resolve("localhost")).isInstanceOf(SsrfGuard.Refused.class)
        .hasMessageContaining("'localhost'").hasMessageContaining("loopback");
  }

  @Test
  void unresolvableHostsAreRefused() {
    assertThatThrownBy(() -> strict.resolve("no-such-host.invalid")).hasMessageContaining("does not resolve");
    assertThatThrownBy(() -> strict.resolve("0x7f.1")).isInstanceOf(SsrfGuard.Refused.class);
  }

  @Test
  void publicAddressesPass() throws Exception {
    assertThat(strict.resolve("93.184.215.14").getHostAddress()).isEqualTo("93.184.215.14");
    assertThat(strict.resolve("[2606:4700::1111]")).isNotNull();
  }

  @Test
  void allowedNetworksAreExactlyThoseConfigured() throws Exception {
    SsrfGuard loopbackOnly = new SsrfGuard(new PrivateAccess(false, List.of("127.0.0.1/32")));
    assertThat(loopbackOnly.resolve("127.0.0.1")).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThatThrownBy(() -> loopbackOnly.resolve("127.0.0.2")).isInstanceOf(SsrfGuard.Refused.class);
    assertThatThrownBy(() -> loopbackOnly.resolve("169.254.169.254")).isInstanceOf(SsrfGuard.Refused.class);
    assertThatThrownBy(() -> loopbackOnly.resolve("::1")).isInstanceOf(SsrfGuard.Refused.class);
    SsrfGuard all = new SsrfGuard(new PrivateAccess(true, List.of()));
    assertThat(all.resolve("10.0.0.1")).isNotNull();
  }
}
