package dev.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PublicUrlTest {
  @Test
  void theConfiguredResourceWithoutItsTrailingSlashWinsOverTheListener() {
    PublicUrl url = new PublicUrl("https://gw.example.com/", "0.0.0.0");
    assertThat(url.get()).isEqualTo("https://gw.example.com");
    url.listening(8080);
    assertThat(url.get()).isEqualTo("https://gw.example.com");
  }

  @Test
  void withoutOneItIsTheListenerOnceBoundAWildcardAddressAsLoopback() {
    PublicUrl any = new PublicUrl(null, "0.0.0.0");
    assertThat(any.get()).isNull();
    any.listening(4000);
    assertThat(any.get()).isEqualTo("http://127.0.0.1:4000");

    PublicUrl v6 = new PublicUrl(null, "::1");
    v6.listening(4001);
    assertThat(v6.get()).isEqualTo("http://[::1]:4001");
  }
}
