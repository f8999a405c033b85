package dev.gatehouse.tls.acme;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link ChallengeStore} for one node. */
public final class InMemoryChallengeStore implements ChallengeStore {

    private final ConcurrentHashMap<String, String> tokens = new ConcurrentHashMap<>();

    @Override
    public Optional<String> keyAuthorization(String token) {
        return Optional.ofNullable(tokens.get(token));
    }

    @Override
    public void put(String token, String keyAuthorization) {
        tokens.put(token, keyAuthorization);
    }

    @Override
    public void remove(String token) {
        tokens.remove(token);
    }
}
