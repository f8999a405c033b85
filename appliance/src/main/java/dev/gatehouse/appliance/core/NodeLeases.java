package dev.gatehouse.appliance.core;

import dev.gatehouse.cluster.lease.LeaseHolder;
import dev.gatehouse.cluster.lease.Leases;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The leases this node takes, and the name it takes them under: what every duty run once per
 * cluster (the ACME scheduler, webhook delivery, the OCSP fetcher) needs to hold its lease.
 *
 * @param leases the grid's leases when clustered, this process's alone
 * @param node   this node's name, the owner of every lease it holds
 */
public record NodeLeases(Leases leases, String node) {

    /** The holder of lease {@code name} for one duty; see {@link LeaseHolder} for the other parameters. */
    public LeaseHolder holder(String name, Duration ttl, String duty, String threadName, Logger log) {
        return new LeaseHolder(leases, name, node, ttl, duty, threadName, log);
    }
}
