package dev.gatehouse.tls.acme;

import java.util.Optional;

/**
 * ACME HTTP-01 key authorizations by token (RFC 8555 §8.3). Answered on port 80 at
 * {@code /.well-known/acme-challenge/<token>}. In-memory here; the cluster shares it later.
 */
public interface ChallengeStore {

    Optional<String> keyAuthorization(String token);

    void put(String token, String keyAuthorization);

    void remove(String token);
}
