package dev.portcullis.llm.wire.bedrock;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Signs Bedrock requests with AWS Signature Version 4, using the AWS SDK's own signer. */
final class BedrockSigner {
  static final String SERVICE = "bedrock";

  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

  /** Adds Authorization, X-Amz-Date and (with a session token) X-Amz-Security-Token to {@code headers}. */
  void sign(String uri, MultiMap headers, Buffer body, String region, String accessKeyId, String secretAccessKey,
      String sessionToken) {
    SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(URI.create(uri));
    headers.forEach(h -> request.appendHeader(h.getKey(), h.getValue()));
    AwsCredentialsIdentity identity = sessionToken == null || sessionToken.isEmpty()
        ? AwsCredentialsIdentity.create(accessKeyId, secretAccessKey)
        : AwsSessionCredentialsIdentity.create(accessKeyId, secretAccessKey, sessionToken);
    byte[] bytes = body.getBytes();
    SignedRequest signed = signer.sign(r -> r.identity(identity)
        .request(request.build())
        .payload(ContentStreamProvider.fromByteArray(bytes))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
        .putProperty(AwsV4HttpSigner.REGION_NAME, region));
    for (Map.Entry<String, List<String>> h : signed.request().headers().entrySet()) {
      if (!h.getKey().equalsIgnoreCase("host")) { // the HTTP client sets the same Host itself
        headers.set(h.getKey(), h.getValue());
      }
    }
  }
}
