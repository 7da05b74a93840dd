package dev.portcullis.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.text.ParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Signs and checks checkpoints with an EC P-256 key (ES256 JWS). Asymmetric on purpose: an
 * auditor or SIEM verifies checkpoints with the public key alone and cannot forge them, and the
 * key that signs them is not the chain key, so the two can be kept apart. Checkpoints signed before
 * a rotation verify with the earlier keys' public halves.
 */
public final class CheckpointSigner {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ECKey key;
  /** Built once: building one converts the JWK to a JCA key, which cost as much as a third of a signature. */
  private final ECDSASigner signer;
  private final JWSHeader header;
  private final Map<String, ECKey> verifiers = new HashMap<>();

  private CheckpointSigner(ECKey key, List<ECKey> previous) throws JOSEException {
    this.key = key;
    this.signer = new ECDSASigner(key);
    this.header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build();
    for (ECKey k : previous) {
      verifiers.put(k.getKeyID(), k);
    }
    verifiers.put(key.getKeyID(), key.toPublicJWK());
  }

  /** From a private EC P-256 JWK (JSON text); throws IllegalArgumentException when it is not one. */
  public static CheckpointSigner fromJwk(String json) {
    return fromJwk(json, List.of());
  }

  /**
   * @param previousPublic public JWKs of the keys that signed checkpoints before a rotation
   * @throws IllegalArgumentException when a key is not an EC P-256 JWK (the signing key a private one)
   */
  public static CheckpointSigner fromJwk(String json, List<String> previousPublic) {
    ECKey k = parse(json);
    if (!k.isPrivate()) {
      throw new IllegalArgumentException("the checkpoint signing key must be a private EC P-256 JWK");
    }
    try {
      return new CheckpointSigner(k, previousPublic.stream().map(p -> parse(p).toPublicJWK()).toList());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the checkpoint signing key cannot sign: " + e.getMessage());
    }
  }

  private static ECKey parse(String json) {
    try {
      ECKey k = ECKey.parse(json.trim());
      if (!Curve.P_256.equals(k.getCurve())) {
        throw new IllegalArgumentException("a checkpoint key must be an EC P-256 JWK, not " + k.getCurve());
      }
      return k.getKeyID() != null ? k : new ECKey.Builder(k).keyIDFromThumbprint().build();
    } catch (ParseException | JOSEException e) {
      throw new IllegalArgumentException("a checkpoint key is not a JWK: " + e.getMessage());
    }
  }

  /** A new private JWK (JSON text), for a key file the gateway creates. */
  public static String generateJwk() {
    try {
      return new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
          .keyIDFromThumbprint(true).generate().toJSONString();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate a checkpoint signing key", e);
    }
  }

  public String kid() {
    return key.getKeyID();
  }

  /** The public half as a JWK (JSON text): what auditors verify with. */
  public String publicJwk() {
    return key.toPublicJWK().toJSONString();
  }

  public Checkpoint sign(long seq, String hash, long ts) {
    String payload = JSON.createObjectNode().put("type", Checkpoint.TYPE).put("seq", seq).put("hash", hash)
        .put("count", seq).put("ts", ts).toString();
    try {
      JWSObject jws = new JWSObject(header, new Payload(payload));
      jws.sign(signer);
      return new Checkpoint(seq, hash, seq, ts, kid(), jws.serialize());
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign an audit checkpoint", e);
    }
  }

  /**
   * The checkpoint a JWS states, read from its signed payload only.
   *
   * @throws IllegalArgumentException when it is malformed or its signature does not verify under this key
   */
  public Checkpoint open(String compact) {
    try {
      JWSObject jws = JWSObject.parse(compact);
      ECKey signer = verifiers.get(jws.getHeader().getKeyID());
      if (signer == null || !JWSAlgorithm.ES256.equals(jws.getHeader().getAlgorithm())
          || !jws.verify(new ECDSAVerifier(signer))) {
        throw new IllegalArgumentException("its signature does not verify under the checkpoint keys (key "
            + jws.getHeader().getKeyID() + " is " + (signer == null ? "neither audit.checkpoints.signing_key nor one "
            + "of previous_public_keys)" : "known, the signature is wrong)"));
      }
      JsonNode p = JSON.readTree(jws.getPayload().toString());
      if (!Checkpoint.TYPE.equals(p.path("type").asText()) || !p.path("seq").canConvertToLong()
          || !p.path("hash").isTextual() || !p.path("count").canConvertToLong() || !p.path("ts").canConvertToLong()) {
        throw new IllegalArgumentException("its signed payload is not a checkpoint");
      }
      return new Checkpoint(p.get("seq").asLong(), p.get("hash").asText(), p.get("count").asLong(),
          p.get("ts").asLong(), jws.getHeader().getKeyID(), compact);
    } catch (ParseException | JOSEException | IOException e) {
      throw new IllegalArgumentException("it is not a valid JWS: " + e.getMessage());
    }
  }
}
