package dev.portcullis.llm;

/**
 * The upstream's answer broke its own wire format: a body that is not the JSON the endpoint
 * returns, a stream event that is not valid, a frame that fails its checksum. Thrown by adapters
 * and stream translators; the exchange counts it as a failure of the deployment. The message is
 * for the gateway log only (it may quote the upstream), never for the client.
 */
public final class InvalidUpstreamResponseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidUpstreamResponseException(String message) {
    super(message);
  }
}
