package dev.gatehouse.appliance.acme;

import dev.gatehouse.cluster.store.StoreException;
import org.shredzone.acme4j.challenge.Challenge;

/**
 * Answers one type of ACME challenge (RFC 8555 §8): publishes the response before the CA is told
 * to validate, and withdraws it afterwards (also when the validation failed). {@link Http01Solver}
 * answers from every node's port 80; {@link Dns01Solver} updates the operator's DNS server (the
 * only way to prove a wildcard).
 */
interface ChallengeSolver {

    /** The challenge type answered, e.g. {@code http-01}. */
    String type();

    /**
     * Makes the response to {@code challenge} reachable by the CA; {@code name} is the ordered name
     * ({@code *.example.com}), {@code domain} the authorization's identifier ({@code example.com}).
     * Returns what {@link #withdraw} needs, once the CA can see the response.
     */
    String publish(String name, String domain, Challenge challenge) throws StoreException, InterruptedException,
            IssueException;

    /** Removes what {@link #publish} made; failures are logged, not thrown, by solvers that cannot retry them. */
    void withdraw(String handle) throws StoreException;
}
