package dev.gatehouse.cluster.store;

import java.util.Objects;

/**
 * An ACME HTTP-01 challenge response, shared by the cluster so that whichever node the CA's
 * validation request reaches answers it (RFC 8555 §8.3). Not secret: the CA fetches it in clear.
 *
 * @param token            the challenge token (base64url)
 * @param keyAuthorization what {@code /.well-known/acme-challenge/<token>} must return
 * @param name             the name being validated
 * @param expiresAt        epoch milliseconds after which any node may delete it
 * @param revision         write revision
 */
public record ChallengeRecord(String token, String keyAuthorization, String name, long expiresAt, long revision) {

    public ChallengeRecord {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(keyAuthorization, "keyAuthorization");
    }
}
