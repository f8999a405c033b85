package dev.gatehouse.appliance.acme;

import dev.gatehouse.cluster.store.ChallengeRecord;
import dev.gatehouse.cluster.store.RecordKinds;
import dev.gatehouse.cluster.store.Store;
import dev.gatehouse.cluster.store.StoreException;
import java.time.Clock;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;

/**
 * HTTP-01 (RFC 8555 §8.3): the key authorization goes into the shared store under its token, and
 * every node's port 80 answers {@code /.well-known/acme-challenge/<token>} from its copy, so the
 * CA may reach any node.
 *
 * @param store     where the key authorizations go (the grid's once clustered)
 * @param clock     dates their expiry
 * @param clustered whether other nodes must see a record before the CA is told to look
 */
record Http01Solver(Store store, Clock clock, boolean clustered) implements ChallengeSolver {

    @Override
    public String type() {
        return Http01Challenge.TYPE;
    }

    @Override
    public String publish(String name, String domain, Challenge challenge) throws StoreException, InterruptedException {
        Http01Challenge ch = (Http01Challenge) challenge;
        store.put(RecordKinds.CHALLENGES, new ChallengeRecord(ch.getToken(), ch.getAuthorization(), name,
                clock.millis() + SharedChallengeStore.TTL.toMillis(), store.nextRevision()));
        if (clustered) {
            // the write is in the grid when putChallenge returns; give the other nodes' event threads
            // a moment to apply it to their snapshots, from which port 80 answers without blocking
            Thread.sleep(500);
        }
        return ch.getToken();
    }

    @Override
    public void withdraw(String token) throws StoreException {
        store.remove(RecordKinds.CHALLENGES, token);
    }
}
