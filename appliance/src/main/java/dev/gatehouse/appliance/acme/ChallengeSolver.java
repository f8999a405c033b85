package dev.gatehouse.appliance.acme;

import dev.gatehouse.cluster.store.StoreException;
import org.shredzone.acme4j.challenge.Challenge;

/**
 * Answers one type of ACME challenge (RFC 8555 §8): publishes the response before the CA is told
 * to validate, and withdraws it afterwards. {@link Http01Solver} is the one Gatehouse ships;
 * DNS-01 (needed for wildcard names) would publish the TXT record through a DNS provider's API
 * and is not offered in this version.
 */
interface ChallengeSolver {

    /** The challenge type answered, e.g. {@code http-01}. */
    String type();

    /**
     * Makes the response to {@code challenge} for {@code name} reachable by the CA; returns what
     * {@link #withdraw} needs. Returns once every node can answer it.
     */
    String publish(String name, Challenge challenge) throws StoreException, InterruptedException;

    void withdraw(String handle) throws StoreException;
}
