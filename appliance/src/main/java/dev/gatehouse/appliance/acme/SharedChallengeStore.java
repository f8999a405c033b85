package dev.gatehouse.appliance.acme;

import dev.gatehouse.cluster.store.ChallengeRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import dev.gatehouse.tls.acme.ChallengeStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The engine's HTTP-01 responder backed by the node's store: a token written on any node (through
 * the grid) is answered by every node's port 80. Reads come from the local snapshot's in-memory
 * map, so the event loop never waits on the network; expired tokens are not answered.
 */
public final class SharedChallengeStore implements ChallengeStore {

    /** How long a challenge response stays answerable when put through this interface. */
    static final Duration TTL = Duration.ofHours(1);

    private final Supplier<Store> store;
    private final Clock clock;

    /** {@code store} is a supplier because a clustered node swaps its local store for the grid store at boot. */
    public SharedChallengeStore(Supplier<Store> store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public Optional<String> keyAuthorization(String token) {
        return store.get().record(RecordKinds.CHALLENGES, token)
                .filter(c -> c.expiresAt() == 0 || c.expiresAt() > clock.millis())
                .map(ChallengeRecord::keyAuthorization);
    }

    @Override
    public void put(String token, String keyAuthorization) {
        Store s = store.get();
        try {
            s.put(RecordKinds.CHALLENGES, new ChallengeRecord(token, keyAuthorization, null, clock.millis() + TTL.toMillis(),
                    s.nextRevision()));
        } catch (StoreException e) {
            throw new IllegalStateException("cannot store challenge " + token + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void remove(String token) {
        try {
            store.get().remove(RecordKinds.CHALLENGES, token);
        } catch (StoreException e) {
            throw new IllegalStateException("cannot remove challenge " + token + ": " + e.getMessage(), e);
        }
    }
}
